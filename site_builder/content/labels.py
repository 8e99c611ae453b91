"""Japanese labels for the contract's ids."""

CASE_STATUS = {"proposal": "提案", "planning": "検討中", "ongoing": "実施中", "completed": "完了"}
EVENT_STATUS = {
    "scheduled": "開催予定",
    "cancelled": "中止",
    "postponed": "延期",
    "moved-online": "オンライン開催に変更",
}
PARTNER_TYPES = {
    "npo": "NPO・市民活動団体",
    "company": "企業",
    "university": "大学・研究機関",
    "government": "行政",
    "community": "地縁組織",
    "other": "その他",
}
SERIES = {
    "mirai-link": "みらいリンクフォーラム",
    "open-dialogue": "オープンダイアログ",
    "trial-studio": "トライアルスタジオ",
    "public-action": "パブリックアクション",
}
SDGS = {
    1: "貧困をなくそう",
    2: "飢餓をゼロに",
    3: "すべての人に健康と福祉を",
    4: "質の高い教育をみんなに",
    5: "ジェンダー平等を実現しよう",
    6: "安全な水とトイレを世界中に",
    7: "エネルギーをみんなに そしてクリーンに",
    8: "働きがいも経済成長も",
    9: "産業と技術革新の基盤をつくろう",
    10: "人や国の不平等をなくそう",
    11: "住み続けられるまちづくりを",
    12: "つくる責任 つかう責任",
    13: "気候変動に具体的な対策を",
    14: "海の豊かさを守ろう",
    15: "陸の豊かさも守ろう",
    16: "平和と公正をすべての人に",
    17: "パートナーシップで目標を達成しよう",
}
CHART_TYPES = {"bar": "棒グラフ", "line": "折れ線グラフ", "stacked-bar": "積み上げ棒グラフ"}
CSV_ENCODINGS = {"utf-8": "UTF-8", "cp932": "Shift_JIS（CP932）"}
KINDS = {
    "case": "協働事例",
    "event": "イベント",
    "news": "お知らせ",
    "issue": "課題を知る",
    "page": "ページ",
    "edition": "メルマガ",
}
