"""The Japanese that editors read (``--lang ja``, the default): every bad-content
fixture of ``check`` gives its exact Japanese line, every error those fixtures
produce carries Japanese (``i18n.Bilingual``), and the summary line says in
Japanese how many mistakes there are and, for ``build``, that the site was not changed.

The fixtures are those of tests/test_validation.py and tests/test_datasets.py,
imported, so a new error kind added there without its Japanese here fails
:func:`test_every_bad_fixture_has_its_japanese_here`."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from site_builder import pipeline
from site_builder.content.i18n import Bilingual
from tests import test_bounds as bounds
from tests import test_containment as containment
from tests import test_datasets as datasets
from tests import test_settings as settings
from tests import test_validation as validation

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")  # kana and kanji

JA: dict[str, list[str]] = {
    # YAML slips and dates (content/yaml_errors.py, dates.py; more of them in tests/test_forgiving.py)
    "broken-yaml": [
        "cases/a.md:2: front matter: 「[」が「]」で閉じられていません。同じ行の終わりに「]」を書くか、"
        '文字として書くなら値全体を " " で囲んでください',
    ],
    "broken-yaml-colon": [
        'cases/a.md:2: front matter: 値の中に「: 」があります。値全体を " " で囲んでください'
        '（例: title: "居場所: 中区"）',
    ],
    "impossible-date": [
        "cases/a.md:3: date: '2020-02-30' は存在しない日付です。2021-03-01 のように 年-月-日 で書いてください",
    ],
    "impossible-time": [
        "events/a.md:5: start: '2020-07-20T25:00' は存在しない時刻です。時は 00〜23、分は 00〜59 で、"
        "2020-07-20T18:30 のように書いてください",
    ],
    "malformed-date": [
        "cases/a.md:3: date: '2020/07/01' は日付として読めません。2020-07-01 と書いてください"
        "（年-月-日 を「-」でつなぎます）",
    ],
    "shift-jis": [
        "cases/a.md:2: file: 文字コードが UTF-8 ではありません（Shift_JIS のようです）。エディタで文字コードに UTF-8 "
        "を選んで保存し直してください。",
    ],
    "no-front-matter": [
        "content/about.md:1: front matter: ファイルの1行目が「---」ではありません。1行目に「---」、その下に「title: "
        "…」などの項目、最後にもう一度「---」の行を書いてください。",
    ],
    "unclosed-front-matter": [
        "cases/a.md:1: front matter: 先頭の項目の部分が閉じられていません。"
        "項目の最後の行の次に「---」の行を書いてください。",
    ],
    "front-matter-not-mapping": [
        "cases/a.md:2: front matter: 先頭の部分は「項目名: 値」の形の行で書いてください。例：title: 地域の居場所づくり",
    ],
    "missing-field": [
        "cases/a.md:1: status: status は必ず書く項目です。「status: …」の行を書き足してください。",
    ],
    "empty-title": [
        "cases/a.md:2: title: 値が書かれていません。「title:」の後に値を書いてください。",
    ],
    "unknown-field": [
        "cases/a.md:11: colour: 「colour」という項目はありません。綴りを確かめ、"
        "使わない項目ならこの行を消してください。",
    ],
    "unknown-field-typo": [
        "cases/a.md:11: summery: 「summery」という項目はありません。「summary」の書き間違いではありませんか。",
    ],
    "unknown-nested-field": [
        "cases/a.md:8: partners[0].nmae: 「nmae」という項目はありません。「name」の書き間違いではありませんか。",
    ],
    "capacity-not-a-number": [
        "events/a.md:7: capacity: 「百」は整数として読めません。30 のように、"
        "引用符を付けない半角の数字で書いてください。",
    ],
    "capacity-zero": [
        "events/a.md:7: capacity: 0より大きい数にしてください（いまは 0）。",
    ],
    "title-number": [
        'cases/a.md:2: title: 2020 は数として読まれます。文字として書くには "2020" のように引用符で囲んでください。',
    ],
    "draft-not-bool": [
        "cases/a.md:11: draft: 「maybe」は使えません。true（はい）か false（いいえ）を書いてください。",
    ],
    "tags-not-list": [
        "cases/a.md:11: tags: 一覧の形で書いてください。1つだけでも [防災] のように角かっこで囲むか、次の行に「- "
        "防災」と書きます。",
    ],
    "empty-date": [
        "cases/a.md:3: date: 日付が書かれていません。2020-07-15 や 2020-07-15T10:00 のように書いてください。",
    ],
    "started-with-time": [
        "cases/a.md:11: started: ここには時刻を付けず、日付だけを 2020-07-15 のように書いてください（いまは "
        "2020-07-01T10:00）。",
    ],
    "end-before-start": [
        "events/a.md:7: end: 終わり（end）が始まり（start）より前になっています。end には start "
        "より後の日時を書いてください。",
    ],
    "end-before-start-beside-another-error": [
        "events/a.md:7: end: 終わり（end）が始まり（start）より前になっています。end には start "
        "より後の日時を書いてください。",
        "events/a.md:8: capacity: 0より大きい数にしてください（いまは 0）。",
    ],
    "end-date-with-start-time": [
        "events/a.md:7: end: start と end は、両方を日付だけ（2020-07-20）にするか、両方を時刻付き（2020-07-20T18:30）"
        "にしてください。",
    ],
    "no-venue-no-online": [
        "events/a.md:1: venue: 会場（venue）かオンライン（online）の少なくとも一方を書いてください。例：venue: "
        "横浜市市民協働推進センター、または online: true",
    ],
    "online-not-url": [
        "events/a.md:7: online: 「zoom」は URL ではありません。https://example.org/ のように https:// で始まる URL "
        "を書いてください。",
    ],
    "event-status": [
        "events/a.md:7: status: 「canceled」は使えません。scheduled、cancelled、postponed、moved-online "
        "のどれかを書いてください。",
    ],
    "unknown-ward": [
        "cases/a.md:11: wards[1]: 「shibuya」という区はありません。区はかっこ内の英字で書きます（中区なら naka）"
        "：鶴見区 (tsurumi)、神奈川区 (kanagawa)、西区 (nishi)、中区 (naka)、南区 (minami)、港南区 (konan)、"
        "保土ケ谷区 (hodogaya)、旭区 (asahi)、磯子区 (isogo)、金沢区 (kanazawa)、港北区 (kohoku)、緑区 (midori)、"
        "青葉区 (aoba)、都筑区 (tsuzuki)、戸塚区 (totsuka)、栄区 (sakae)、泉区 (izumi)、瀬谷区 (seya)、市内全域 "
        "(citywide)。",
    ],
    "one-partner": [
        "cases/a.md:5: partners: 2件以上必要ですが、1件しかありません。あと1件書き足してください。",
    ],
    "partner-type": [
        "cases/a.md:9: partners[1].type: 「ngo」は使えません。npo、company、university、government、community、other "
        "のどれかを書いてください。",
    ],
    "partner-url": [
        "cases/a.md:10: partners[1].url: 「ftp://example.org/」は URL ではありません。https://example.org/ のように "
        "https:// で始まる URL を書いてください。",
    ],
    "sdgs-above-17": [
        "cases/a.md:11: sdgs[1]: 17以下の数にしてください（いまは 18）。",
    ],
    "sdgs-below-1": [
        "cases/a.md:12: sdgs[0]: 1以上の数にしてください（いまは 0）。",
    ],
    "unsafe-slug-field": [
        "cases/a.md:11: slug: 「Ibasho_2020」には URL に使えない文字があります。URL の名前は半角の小文字 a-z、数字 "
        "0-9 と、その間に1つずつの「-」だけで書きます（例：ibasho-2020）。",
    ],
    "unsafe-slug-file-name": [
        "cases/Foo Bar.md:1: slug: ファイル名やフォルダ名の「Foo Bar」には URL に使えない文字があります。URL "
        "の名前は半角の小文字 a-z、数字 0-9 と、その間に1つずつの「-」だけで書きます（例：foo-bar）。名前を変えるか、"
        "slug: foo-bar のように URL の名前を書いてください。",
    ],
    "unsafe-page-folder": [
        "content/Kyodo Guide/index.md:1: slug: ファイル名やフォルダ名の「Kyodo Guide」には URL "
        "に使えない文字があります。URL の名前は半角の小文字 a-z、数字 0-9 と、"
        "その間に1つずつの「-」だけで書きます（例：kyodo-guide）。名前を変えるか、slug: kyodo-guide のように URL "
        "の名前を書いてください。",
    ],
    "duplicate-slug": [
        "cases/b.md:11: slug: URL の名前「ibasho」は cases/a.md がすでに使っています（/cases/ibasho/）。slug: "
        "で別の名前を書いてください。",
    ],
    "duplicate-slug-file-name": [
        "cases/ibasho.md:1: slug: URL の名前「ibasho」は cases/another.md がすでに使っています（/cases/ibasho/）。"
        "slug: で別の名前を書いてください。",
    ],
    "reserved-page-url": [
        "content/cases.md:1: slug: URL /cases/ は自動で作るページ（一覧、検索、フォームなど）が使います。"
        "ファイル名を変えるか、slug: で別の名前を書いてください。",
    ],
    "image-without-alt": [
        "cases/a.md:11: image_alt: 画像（image）を載せるときは、画像の説明を image_alt に書いてください。"
        "例：image_alt: 集まりの様子",
    ],
    "image-not-found": [
        "cases/a.md:11: image: 画像ファイル images/photo.png が見つかりません。ファイルを置くか、"
        "名前と場所を確かめてください（この .md ファイルのあるフォルダからの場所で書きます）。",
    ],
    "sns-x-too-long": [
        "cases/a.md:13: sns[0].text: 投稿文が長すぎます。X は 280までですが、この文は 282あります（日本語は1文字を2、"
        "URL は長さによらず23と数えます）。2減らしてください。",
    ],
    "sns-x-url-weighs-23": [
        "cases/a.md:13: sns[0].text: 投稿文が長すぎます。X は 280までですが、この文は 282あります（日本語は1文字を2、"
        "URL は長さによらず23と数えます）。2減らしてください。",
    ],
    "sns-bluesky-too-long": [
        "cases/a.md:13: sns[0].text: 投稿文が長すぎます。Bluesky は 300文字までですが、この文は 301文字あります。"
        "1文字減らしてください。",
    ],
    "sns-mastodon-too-long": [
        "cases/a.md:13: sns[0].text: 投稿文が長すぎます。Mastodon は 500文字までですが、この文は 501文字あります（URL "
        "は長さによらず23文字と数えます）。1文字減らしてください。",
    ],
    "sns-network": [
        "cases/a.md:12: sns[0].network: 「twitter」は使えません。x、facebook、mastodon、bluesky "
        "のどれかを書いてください。",
    ],
    "sns-true": [
        "cases/a.md:11: sns: false（SNS で告知しない）か、投稿の一覧を書いてください。例：「sns:」の次の行に「  - "
        "network: x」",
    ],
    "dataset-file-not-found": [
        "content/issues/population.md:7: datasets[0].file: データのファイル content/data/population.csv "
        "が見つかりません。ファイルを置くか、file の名前を確かめてください（content/ からの場所で書きます）。",
    ],
    "chart-unknown-dataset": [
        "content/issues/population.md:12: charts[0].dataset: 「jinko」というデータは datasets にありません。datasets "
        "に書いた id（population）を書くか、datasets にこのデータを書き足してください。",
    ],
    "title-too-long": [
        "cases/a.md:2: title: 101文字あります。100文字以内に短くしてください。",
    ],
    "summary-too-long": [
        "cases/a.md:4: summary: 201文字あります。200文字以内に短くしてください。",
    ],
    "duplicate-key": [
        "cases/a.md:11: title: 同じ項目がもう一度書かれています（最初は 2 行目）。どちらか一方を消してください。",
    ],
    "duplicate-nested-key": [
        "cases/a.md:8: partners[0].type: 同じ項目がもう一度書かれています（最初は 7 行目）。"
        "どちらか一方を消してください。",
    ],
    "bad-cell": [
        "content/data/suikei.csv:2: 人口総数[人]: 「abc」は数ではありません。151659 や 151,659 "
        "のように数字で書いてください。値がないときは空欄、-、…、X のどれかにします。",
    ],
    "missing-y-column": [
        "content/issues/p.md:15: charts[0].y: 列「人口総数」が content/data/suikei.csv にありません。"
        "「人口総数[人]」の書き間違いではありませんか。この CSV の列：年月日、全国地方公共団体コード、市区名、"
        "世帯数[世帯]、人口総数[人]、男[人]、女[人]",
    ],
    "missing-column-in-list": [
        "content/issues/p.md:17: charts[0].y[1]: 列「女性[人]」が content/data/suikei.csv にありません。"
        "「女[人]」の書き間違いではありませんか。この CSV の列：年月日、全国地方公共団体コード、市区名、世帯数[世帯]、"
        "人口総数[人]、男[人]、女[人]",
    ],
    "missing-x-column": [
        "content/issues/p.md:14: charts[0].x: 列「区名」が content/data/suikei.csv にありません。"
        "「市区名」の書き間違いではありませんか。この CSV の列：年月日、全国地方公共団体コード、市区名、世帯数[世帯]、"
        "人口総数[人]、男[人]、女[人]",
    ],
    "wrong-encoding": [
        "content/issues/p.md:11: datasets[0].encoding: content/data/suikei.csv は文字コード UTF-8 として読めません（1 "
        "行目に読めない文字があります）。ファイルの文字コードを確かめて、encoding を直すか消してください。",
    ],
    "undecodable": [
        "content/issues/p.md:7: datasets[0].file: content/data/suikei.csv は文字コード UTF-8 としても "
        "CP932（Shift_JIS） としても読めません（読めない文字：UTF-8 では 1 行目、CP932（Shift_JIS） では 1 行目）。"
        "UTF-8 か CP932（Shift_JIS）で保存し直すか、encoding に文字コードを書いてください。",
    ],
    "ragged-row": [
        "content/data/suikei.csv:2: row: この行は 6 列ですが、1行目（列の名前）は 7 列です。列の数をそろえてください。",
    ],
    "empty-label": [
        "content/data/suikei.csv:3: 市区名: ラベルが空です。グラフの x に選んだ列（市区名）には、"
        "どの行にも値を書いてください。",
    ],
    "no-rows": [
        "content/issues/p.md:12: charts[0].dataset: content/data/suikei.csv には1行目（列の名前）しかありません。"
        "2行目から値を書いてください。",
    ],
    "nothing-to-chart": [
        "content/issues/p.md:15: charts[0].y: グラフにする数がありません。この列の値がすべて空欄、-、…、X "
        "のどれかです。",
    ],
    "outside-content": [
        "content/issues/p.md:7: datasets[0].file: データのファイルは content/ の中に置き、data/population.csv "
        "のように content/ からの場所で書いてください（いまは ../mkdocs.yml）。",
    ],
    "chart-markers": [
        "content/issues/p.md:22: body: <!-- chart: 2 --> に当たるグラフがありません。このページのグラフは1つなので、"
        "<!-- chart: 1 --> と書いてください。",
        "content/issues/p.md:24: body: グラフ 1 が2回置かれています（最初は 20 行目）。どちらかの <!-- chart: 1 --> "
        "を消してください。",
    ],
}

# Settings, bounds, containment and newsletter fixtures: (files, Japanese lines).
EXTRA = [
    pytest.param(
        {"mkdocs.yml": settings.settings_file("home_cases: 3", "sns_netwroks: [x, mastodon]")},
        [
            "mkdocs.yml:6: extra.site_builder.sns_netwroks: 「sns_netwroks」という設定はありません。"
            "「sns_networks」の書き間違いではありませんか。",
        ],
        id="unknown-setting",
    ),
    pytest.param(
        {
            "mkdocs.yml": settings.settings_file(
                "site_engine: hugo",
                "cases_per_page: twenty",
                "home_news: -1",
                "newsletter_from: センター",
                "newsletter_unsubscribe_url: http://list.example.org/unsubscribe",
                "sns_announce: 'yes'",
                "sns_event_reminder_days: 7",
                "sns_reminder_time: 9:30",
                "sns_timeout_seconds: '20'",
                "data_pull_allow_private: [nowhere]",
                "data_pull_redirect_hosts: ['https://data.example/a.csv']",
                "sns: {networks: [x]}",
            )
        },
        [
            "mkdocs.yml:5: extra.site_builder.site_engine: 「hugo」は使えません。mkdocs、properdocs、zensical "
            "のどれかを書いてください。",
            "mkdocs.yml:6: extra.site_builder.cases_per_page: 「twenty」は整数として読めません。30 のように、"
            "引用符を付けない半角の数字で書いてください。",
            "mkdocs.yml:7: extra.site_builder.home_news: 0以上の数にしてください（いまは -1）。",
            "mkdocs.yml:8: extra.site_builder.newsletter_from: メールアドレスを書いてください。例：センター "
            "<newsletter@example.org>（いまは「センター」）",
            "mkdocs.yml:9: extra.site_builder.newsletter_unsubscribe_url: https:// で始まる URL "
            "を書いてください（ワンクリックの配信停止は https でしか働きません）。いまは "
            "http://list.example.org/unsubscribe です。",
            "mkdocs.yml:10: extra.site_builder.sns_announce: 「yes」は使えません。true（はい）か false（いいえ）"
            "を書いてください。",
            "mkdocs.yml:11: extra.site_builder.sns_event_reminder_days: 一覧の形で書いてください。1つだけでも [7] "
            "のように角かっこで囲むか、次の行に「- 7」と書きます。",
            'mkdocs.yml:12: extra.site_builder.sns_reminder_time: 時刻は "09:00" '
            "のように引用符で囲んで書いてください（囲まないと 9:30 は数として読まれます）。",
            "mkdocs.yml:13: extra.site_builder.sns_timeout_seconds: 「20」は数として読めません。20 や 0.5 のように、"
            "引用符を付けない半角の数字で書いてください。",
            "mkdocs.yml:14: extra.site_builder.data_pull_allow_private[0]: 「nowhere」は IP アドレスとして読めません。"
            "127.0.0.1 や 10.0.0.0/8 のように書いてください。",
            "mkdocs.yml:15: extra.site_builder.data_pull_redirect_hosts[0]: "
            "「https://data.example/a.csv」はホスト名として読めません。data.city.example のように、https:// や / "
            "以降を付けずに書いてください。",
            "mkdocs.yml:16: extra.site_builder.sns: 「sns」という設定はありません。綴りを確かめ、"
            "使わない設定ならこの行を消してください。",
        ],
        id="setting-values",
    ),
    pytest.param(
        {"mkdocs.yml": settings.settings_file("home_cases: 3", "home_events: 2", "home_cases: 4")},
        [
            "mkdocs.yml:7: extra.site_builder.home_cases: 同じ項目がもう一度書かれています（最初は 5 行目）。"
            "どちらか一方を消してください。",
        ],
        id="setting-twice",
    ),
    pytest.param(
        {"mkdocs.yml": bounds.with_settings("limits_list_items: 0", "limits_markdown_seconds: fast")},
        [
            f"mkdocs.yml:{bounds.SETTINGS_LINE}: extra.site_builder.limits_list_items: "
            "1以上の数にしてください（いまは 0）。",
            f"mkdocs.yml:{bounds.SETTINGS_LINE + 1}: extra.site_builder.limits_markdown_seconds: "
            "「fast」は数として読めません。20 や 0.5 のように、引用符を付けない半角の数字で書いてください。",
        ],
        id="limit-settings",
    ),
    pytest.param(
        {
            "mkdocs.yml": bounds.with_settings().replace(
                "site_name: 横浜市市民協働推進センター", 'site_name: "センター\\u2028"'
            )
        },
        [
            "mkdocs.yml:5: site_name: 改行などの見えない文字（U+2028）が入っています。メールの件名や差出人に使うので、"
            "1行で書いてください。",
        ],
        id="site-name-two-lines",
    ),
    pytest.param(
        {"mkdocs.yml": bounds.with_settings().replace("  - footnotes\n", "  - footnotes\n  - footnote\n")},
        [
            f"mkdocs.yml:{bounds.NEW_EXTENSION_LINE}: markdown_extensions: Markdown の拡張機能を読み込めません"
            "（ModuleNotFoundError: No module named 'footnote'）。拡張機能の名前や設定を直してください。",
        ],
        id="markdown-extension",
    ),
    pytest.param(
        {"cases/a.md": bounds.case("tags: &t [子ども]\nsdgs: *t\n")},
        [
            "cases/a.md:10: front matter: 「*t」のように別の場所の値を指す書き方は使えません。"
            "値をそのまま書いてください。",
        ],
        id="alias",
    ),
    pytest.param(
        {"cases/a.md": bounds.case("tags: " + "[" * 30 + "子ども" + "]" * 30 + "\n")},
        [
            "cases/a.md:9: tags: 一覧や項目の入れ子が 20 段より深くなっています。入れ子を浅くしてください（上限は "
            "mkdocs.yml の limits_nesting_depth です）。",
        ],
        id="nesting",
    ),
    pytest.param(
        {"cases/a.md": bounds.case(body=bounds.nested_blocks(500))},
        [
            "cases/a.md:10: body: 本文の入れ子（箇条書きや引用、HTML の中の入れ子）が深すぎて変換できません。"
            "入れ子を浅くしてください。",
        ],
        id="body-nesting",
    ),
    pytest.param(
        {"cases/a.md": bounds.case(body="前書き\n\n" + "[^" * 20000)},
        [
            "cases/a.md:12: body: この行からの段落に「[」が 20000 個あり、変換に何分もかかってしまいます。"
            "「[」ごとに「]」で閉じるか、かっこそのものを書くときは \\[ と書いてください。",
        ],
        id="brackets",
    ),
    pytest.param(
        {
            "mkdocs.yml": bounds.with_settings("limits_list_items: 6", "limits_body_kb: 1", "limits_file_kb: 4"),
            "cases/a.md": bounds.case("tags: [a, b, c, d, e, f, g]\n"),
            "cases/b.md": bounds.case(body="本文" * 200),
            "cases/c.md": bounds.case(body="本文" * 800),
        },
        [
            "cases/a.md:9: tags: 一覧が 7 件あります。6 件までに減らしてください"
            "（上限は mkdocs.yml の limits_list_items です）。",
            "cases/b.md:10: body: 本文が 2 KB あります。1 KB までにしてください。いくつかのページに分けてください"
            "（上限は mkdocs.yml の limits_body_kb です）。",
            "cases/c.md:1: file: ファイルが 4 KB を超えています。いくつかのファイルに分けてください（上限は "
            "mkdocs.yml の limits_file_kb です）。",
        ],
        id="size-limits",
    ),
    pytest.param(
        {
            "cases/number.md": bounds.case("sdgs: [" + "9" * 200 + "]\n"),
            "cases/key.md": bounds.case("? [a, b]\n: c\n"),
        },
        [
            "cases/key.md:9: front matter: 項目名は文字で書いてください"
            "（一覧や「項目名: 値」を項目名にはできません）。",
            'cases/number.md:9: sdgs[0]: 200 桁の数になっていて、数としては長すぎます。文字なら引用符（"）'
            "で囲んでください。",
        ],
        id="odd-yaml-values",
    ),
    pytest.param(
        {
            ".git/config": "[core]\n",
            "cases/a.md": containment.case(image="../.git/config"),
            "cases/b.md": containment.case(body="![地図](../../../../../../etc/passwd)"),
        },
        [
            "cases/a.md:9: image: 「../.git/config」はコンテンツのフォルダ（cases/、content/、events/）"
            "の外を指しています。ファイルはこのファイルの近く（例：images/…）に置いてそこを指すか、"
            "ページへのリンクならサイトの先頭からのアドレス（例：/cases/）で書いてください。",
            "cases/b.md:12: body: 「../../../../../../etc/passwd」はコンテンツのフォルダ（cases/、content/、events/）"
            "の外を指しています。ファイルはこのファイルの近く（例：images/…）に置いてそこを指すか、"
            "ページへのリンクならサイトの先頭からのアドレス（例：/cases/）で書いてください。",
        ],
        id="outside-content",
    ),
    pytest.param(
        {
            "content/newsletter/2020-09a.md": '---\ndate: 2020-09-01\nsubject: "9月号\\u2028Bcc: x@example.org"\n---\n',
            "content/newsletter/2020-09b.md": "---\ndate: 2020-09-01\nfrom: 2020-09-01\nto: 2020-08-01\n---\n",
        },
        [
            "content/newsletter/2020-09a.md:3: subject: 改行などの見えない文字（U+2028）が入っています。"
            "メールの件名や差出人に使うので、1行で書いてください。",
            "content/newsletter/2020-09b.md:4: to: 期間の終わり（to）が始まり（from）より前になっています。to には "
            "from より後の日付を書いてください。",
        ],
        id="newsletter-edition",
    ),
    pytest.param(
        {"events/a.md": validation.event("updated: 2020-06-30\n")},
        [
            "events/a.md:7: updated: 更新日時（updated）が公開日時（date）より前になっています。date "
            "より後の日時を書いてください。",
        ],
        id="updated-before-date",
    ),
]


def japanese_check(run_cli, root: Path) -> list[str]:
    code, out, err = run_cli("--root", root, "--lang", "ja", "check")
    assert code == 1 and "Traceback" not in out + err
    return err.splitlines()


BAD = [pytest.param(*p.values, id=p.id, marks=p.marks) for p in validation.BAD + datasets.BAD]


@pytest.mark.parametrize("files, english", BAD)
def test_each_error_kind_has_its_exact_japanese(project, run_cli, request, files, english):
    expected = JA[request.node.callspec.id]
    assert len(expected) == len(english)  # the same errors, in the same order, as the English test
    assert japanese_check(run_cli, project(files)) == [*expected, f"{len(expected)}件の誤りがあります。"]


@pytest.mark.parametrize("files, expected", EXTRA)
def test_settings_bounds_and_containment_errors_in_japanese(project, run_cli, files, expected):
    assert japanese_check(run_cli, project(files)) == [*expected, f"{len(expected)}件の誤りがあります。"]


def test_every_bad_fixture_has_its_japanese_here():
    ids = {p.id for p in validation.BAD + datasets.BAD}
    assert ids == set(JA)


def test_a_symbolic_link_in_japanese(project, run_cli, tmp_path):
    root = project({"cases/a.md": containment.case()})
    os.symlink(tmp_path / "elsewhere", root / "cases/images")
    assert japanese_check(run_cli, root) == [
        "cases/images:1: file: ここにあるのはファイルではなく、ほかの場所を指すリンク（シンボリックリンク）です。"
        "コンテンツのフォルダには置けないので、ファイルそのものを置いてください。",
        "1件の誤りがあります。",
    ]


def test_build_says_in_japanese_that_the_site_was_not_changed(project, run_cli):
    root = project({"cases/a.md": validation.case("colour: red\n"), "events/a.md": validation.event("capacity: 0\n")})
    code, _, err = run_cli("--root", root, "--lang", "ja", "build", "--site-dir", root / "site", "--quiet")
    assert code == 1 and not (root / "site").exists()
    assert err.splitlines()[-1] == "2件の誤りがあります。サイトは更新されていません。"


def test_check_counts_in_japanese_without_saying_anything_was_written(project, run_cli):
    root = project(
        {
            "cases/a.md": validation.case("colour: red\n"),
            "cases/b.md": validation.case("draft: maybe\n"),
            "events/a.md": validation.event("capacity: 0\n"),
        }
    )
    assert japanese_check(run_cli, root)[-1] == "3件の誤りがあります。"


SWEEP = [
    pytest.param(
        *p.values[:1],
        id=p.id,
    )
    for p in validation.BAD + datasets.BAD + EXTRA
]


@pytest.mark.parametrize("files", SWEEP)
def test_every_error_carries_japanese(project, files):
    reporter = pipeline.check(project(files), validation.NOW)
    assert reporter.errors
    for error in reporter.errors:
        assert isinstance(error.message, Bilingual), f"no Japanese: {error}"
        assert JAPANESE.search(error.message.ja), f"no Japanese: {error}"
    for warning in reporter.warnings:
        assert isinstance(warning.message, Bilingual) and JAPANESE.search(warning.message.ja), str(warning)
