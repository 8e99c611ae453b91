"""The Japanese name and a one-line hint of every front-matter field, as staff see them.

One table for the web editing form (``site_builder/cms/``: each field's label and
hint) and for the editors' guide (docs/editor-guide.md): ``tests/test_editor_guide.py``
checks that the guide's row for each field begins with this label, so the form and
the guide call a field by the same name. The key is ``<model>.<field>`` as the
editor writes the field (``Edition.from``), with the model that declares it
(``Item`` for the fields every content type shares); ``body`` is the Markdown after
the front matter.
"""

from __future__ import annotations

from dataclasses import dataclass

from site_builder.content.labels import SERIES


@dataclass(frozen=True)
class FieldLabel:
    label: str  # the field's name in Japanese: the form's label, the first words of the guide's row
    hint: str = ""  # one or two sentences under the form's field


SERIES_HINT = "、".join(f"{key}（{name}）" for key, name in SERIES.items())

FIELD_LABELS: dict[str, FieldLabel] = {
    # --- every content type (Item) -------------------------------------------------------
    "Item.title": FieldLabel("タイトル", "1〜100文字。"),
    "Item.date": FieldLabel(
        "公開日時", "日本時間。この日時になるまで、サイト・RSS・メルマガ・SNS のどこにも出ません。"
    ),
    "Item.summary": FieldLabel(
        "要約", "1〜200文字。一覧、RSS、SNS 投稿、メルマガ、リンクを共有したときのカードに使われます。"
    ),
    "Item.slug": FieldLabel(
        "URL の名前（スラッグ）",
        "半角の小文字 a–z、数字 0–9 と、その間の「-」だけ（例：ibasho-hodogaya）。新しく作るときは必ず書きます。"
        "ファイル名と URL になります。すでにある記事では空のままにします（公開後に変えると URL が変わります）。",
    ),
    "Item.draft": FieldLabel(
        "公開しない（下書き）", "オンにすると、日付にかかわらずどこにも公開されません。公開するときはオフにします。"
    ),
    "Item.image": FieldLabel("代表画像", "一覧や共有カードに使われます。画像を選んだら「画像の説明」も書きます。"),
    "Item.image_alt": FieldLabel(
        "画像の説明", "画像が見えない人が読み上げで聞く文です。代表画像を選んだときは必ず書きます。"
    ),
    "Item.tags": FieldLabel("タグ", "自由な言葉を1つずつ追加します。"),
    "Item.sns": FieldLabel(
        "SNS 投稿",
        "空のままなら、公開日時にサイトで決めた SNS へ自動で投稿されます。"
        "ここに追加すると、自動の投稿（イベントの開催前のお知らせも）はなくなり、追加した投稿だけが行われます。",
    ),
    "SnsPost.network": FieldLabel("投稿先"),
    "SnsPost.at": FieldLabel("投稿する日時", "空なら記事の公開日時。公開日時より前には投稿されません。"),
    "SnsPost.text": FieldLabel(
        "投稿の文章",
        "空なら、タイトル・要約・URL・ハッシュタグから自動で作ります。"
        "X は日本語でおよそ140文字、Bluesky は300文字、Mastodon は500文字まで。",
    ),
    # --- cases ---------------------------------------------------------------------------
    "Case.partners": FieldLabel("協働した団体", "2つ以上。"),
    "Partner.name": FieldLabel("団体名"),
    "Partner.type": FieldLabel("種別"),
    "Partner.url": FieldLabel("ウェブサイト", "https:// で始まる URL。"),
    "Case.wards": FieldLabel("活動した区", "市内全域なら「市内全域」を選びます。"),
    "Case.sdgs": FieldLabel("関係する SDGs の目標"),
    "Case.status": FieldLabel("取組の段階"),
    "Case.started": FieldLabel("協働を始めた日", "日付だけ。"),
    # --- events --------------------------------------------------------------------------
    "Event.start": FieldLabel("開始日時", "日本時間。"),
    "Event.end": FieldLabel("終了日時", "日本時間。開始日時より後にします。"),
    "Event.venue": FieldLabel("会場の名前", "会場かオンラインの少なくとも一方を書きます。"),
    "Event.address": FieldLabel("会場の住所"),
    "Event.online": FieldLabel(
        "オンライン会場",
        "https:// で始まる URL。URL を申込者にだけ後で知らせるときは true と書きます。",
    ),
    "Event.capacity": FieldLabel("定員", "1以上の整数。"),
    "Event.fee": FieldLabel("参加費", "例：無料、500円（資料代）"),
    "Event.registration": FieldLabel("申込フォーム", "https:// で始まる URL。"),
    "Event.series": FieldLabel("シリーズ", f"シリーズの ID：{SERIES_HINT}。"),
    "Event.status": FieldLabel("開催の状況", "中止・延期などに変えたときは「変更日時」も書きます。"),
    "Event.updated": FieldLabel(
        "変更日時",
        "公開後に日時・会場・開催の状況を変えたら、変更した日時を書きます（公開日時より後、変えるたびに新しく）。",
    ),
    # --- issue pages ---------------------------------------------------------------------
    "IssuePage.datasets": FieldLabel("使うデータ", "1つ以上。"),
    "Dataset.id": FieldLabel("データの ID", "このページの中でデータを呼ぶ名前。a–z、0–9、「-」（例：setai）。"),
    "Dataset.file": FieldLabel("CSV ファイルの場所", "content/ から見た場所（例：data/setai-ku.csv）。"),
    "Dataset.source": FieldLabel("出典の名前"),
    "Dataset.source_url": FieldLabel("出典のページの URL", "https:// で始まる URL。"),
    "Dataset.license": FieldLabel("ライセンス", "例：CC BY 4.0"),
    "Dataset.retrieved": FieldLabel("データを取得した日", "日付だけ。"),
    "Dataset.encoding": FieldLabel("CSV の文字コード", "空なら自動で判断します。"),
    "Dataset.download_url": FieldLabel("ダウンロード URL", "CSV そのものをダウンロードできる URL。"),
    "IssuePage.charts": FieldLabel("描くグラフ", "1つ以上。本文の <!-- chart: 1 --> の行の場所に入ります。"),
    "Chart.dataset": FieldLabel("使うデータ", "「使うデータ」に書いたデータの ID。"),
    "Chart.type": FieldLabel("グラフの種類"),
    "Chart.x": FieldLabel("横軸（項目名）にする列", "CSV の1行目のとおりに書きます。"),
    "Chart.y": FieldLabel("値にする列", "CSV の1行目のとおりに、1列ずつ追加します（1列が1本の系列）。"),
    "Chart.title": FieldLabel("グラフのタイトル"),
    "Chart.caption": FieldLabel("グラフの下に出す説明"),
    # --- newsletter editions -------------------------------------------------------------
    "Edition.date": FieldLabel("送信日時", "日本時間。この時点で公開されている記事だけが載ります。"),
    "Edition.title": FieldLabel("号のタイトル", "空なら「メールマガジン 2027年1月5日号」のようになります。"),
    "Edition.subject": FieldLabel("メールの件名", "空なら【サイト名】タイトル。"),
    "Edition.summary": FieldLabel("メールの最初の1行", "受信箱で件名の横に見える文。"),
    "Edition.from": FieldLabel("期間の始まり", "空なら前の号の送信日時のすぐ後から。"),
    "Edition.to": FieldLabel("期間の終わり", "空なら送信日時まで。日付だけならその日を含みます。"),
    "Edition.draft": FieldLabel("公開しない（下書き）", "オンにすると、送信も公開もされません。"),
    # --- the body ------------------------------------------------------------------------
    "body": FieldLabel(
        "本文",
        "Markdown で書きます（見出しは ##、箇条書きは -）。ツールバーで書きたいときは「リッチテキスト」に"
        "切り替えます。",
    ),
}
