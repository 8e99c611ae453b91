"""One typed model per content type, built from front matter; no I/O here.

Unknown keys are errors (``extra="forbid"``). Field constraints carry the messages
editors see; :mod:`site_builder.content` adds file and line.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from site_builder.content import dates, post_length
from site_builder.content.i18n import Bilingual, bi
from site_builder.content.wards import AREA_NAMES, CITYWIDE, WARDS

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_PATTERN = re.compile(r"^https?://[^\s/$.?#][^\s]*$")


class FieldProblem(ValueError):
    """A model-level error that belongs to one field, ``charts.0.dataset`` say
    (``content/field_messages.py`` puts it on that field's line)."""

    def __init__(self, field: str, message: Bilingual):
        super().__init__(message)
        self.field = field
        self.message = message


def problem(field: str, message: Bilingual) -> FieldProblem:
    return FieldProblem(field, message)


def _time(value: object) -> dt.date | dt.datetime:
    if value is None or value == "":
        raise dates.DateError(
            bi(
                "must not be empty: write a date like 2020-07-15 or 2020-07-15T10:00",
                "日付が書かれていません。2020-07-15 や 2020-07-15T10:00 のように書いてください。",
            )
        )
    return dates.parse_time(value)


def _instant(value: object) -> dt.datetime:
    return dates.as_instant(_time(value))


def _date_only(value: object) -> dt.date:
    parsed = _time(value)
    if isinstance(parsed, dt.datetime):
        raise dates.DateError(
            bi(
                f"expected a date like 2020-07-15, got {value!r}",
                f"ここには時刻を付けず、日付だけを 2020-07-15 のように書いてください（いまは {value}）。",
            )
        )
    return parsed


def slug_example(name: str) -> str:
    """``name`` as a slug could be written (``Ibasho_2020`` → ``ibasho-2020``)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "ibasho-2020"


def slug_rule(name: str, english_tail: str, where: str = "", advice: str = "") -> Bilingual:
    """Why ``name`` cannot be a slug: English as before, Japanese with an example."""
    return bi(
        f"unsafe slug {name!r}{english_tail}",
        f"{where}「{name}」には URL に使えない文字があります。URL の名前は半角の小文字 a-z、数字 0-9 と、"
        f"その間に1つずつの「-」だけで書きます（例：{slug_example(name)}）。{advice}",
    )


def _whole_number(value: object) -> object:
    """``３０`` typed with a Japanese keyboard is 30: text that is a number once its
    full-width digits are read as half-width (NFKC). Other text stays text (and is refused)."""
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if text != value.strip() and re.fullmatch(r"[+-]?[0-9]+", text):
            return int(text)
    return value


def _numbers(value: object) -> object:
    """A list of whole numbers as YAML would read it typed in half-width: ``[３, １１]``
    and ``[３，１１]`` (one text to YAML) are ``[3, 11]``; so is ``[3、11]``."""
    if not isinstance(value, list):
        return value
    numbers: list[object] = []
    for item in value:
        text = unicodedata.normalize("NFKC", item).replace("、", ",") if isinstance(item, str) else ""
        if text != item and re.fullmatch(r"\s*[0-9]+(\s*,\s*[0-9]+)*\s*", text):
            numbers.extend(int(part) for part in text.split(","))
        else:
            numbers.append(item)
    return numbers


def _slug(value: str) -> str:
    if not SLUG_PATTERN.match(value):
        raise ValueError(slug_rule(value, ": use only a-z, 0-9 and single '-' between them"))
    return value


def _url(value: str) -> str:
    if not URL_PATTERN.match(value):
        raise ValueError(
            bi(
                f"not an http(s) URL: {value!r}",
                f"「{value}」は URL ではありません。"
                "https://example.org/ のように https:// で始まる URL を書いてください。",
            )
        )
    return value


WARD_CHOICES = "、".join(f"{name} ({ward})" for ward, name in AREA_NAMES.items())


def _ward(value: str) -> str:
    if value != CITYWIDE and value not in WARDS:
        raise ValueError(
            bi(
                f"unknown ward id {value!r}; use one of {', '.join(WARDS)} or citywide",
                f"「{value}」という区はありません。区はかっこ内の英字で書きます（中区なら naka）：{WARD_CHOICES}。",
            )
        )
    return value


def _true_text(value: object) -> object:
    """``online: 'true'``, the word in quotes (as a form's text box writes it), is ``true``."""
    return True if isinstance(value, str) and value.strip() == "true" else value


def _listify(value: object) -> object:
    return [value] if isinstance(value, str) else value


Text = Annotated[str, Field(min_length=1)]
Time = Annotated[dt.datetime | dt.date, BeforeValidator(_time)]
Instant = Annotated[dt.datetime, BeforeValidator(_instant)]
DateOnly = Annotated[dt.date, BeforeValidator(_date_only)]
Slug = Annotated[str, AfterValidator(_slug)]
Url = Annotated[str, AfterValidator(_url)]
WardId = Annotated[str, AfterValidator(_ward)]
Network = Literal["x", "facebook", "mastodon", "bluesky"]
SdgGoal = Annotated[int, Field(ge=1, le=17, strict=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class SnsPost(Strict):
    network: Network
    at: Instant | None = None
    text: Text | None = None

    @model_validator(mode="after")
    def _fits(self) -> SnsPost:
        if self.text is not None:
            problem_text = post_length.overflow(self.network, self.text)
            if problem_text:
                raise problem("text", problem_text)
        return self


class Item(Strict):
    """Fields every content type shares."""

    title: Annotated[str, Field(min_length=1, max_length=100)]
    date: Instant
    summary: Annotated[str, Field(min_length=1, max_length=200)]
    slug: Slug | None = None
    draft: bool = False
    image: Text | None = None
    image_alt: Text | None = None
    tags: list[Text] = []
    sns: Literal[False] | list[SnsPost] | None = None

    @classmethod
    def presence_problems(cls, data: dict) -> list[tuple[str, str]]:
        """Rules between fields that hold on the raw front matter, so they are
        reported together with every other field error."""
        if data.get("image") and not data.get("image_alt"):
            return [("image_alt", IMAGE_ALT_MISSING)]
        return []

    @model_validator(mode="after")
    def _presence(self) -> Item:
        for field_name, message in self.presence_problems(self.model_dump(exclude_defaults=True)):
            raise problem(field_name, message)
        return self


IMAGE_ALT_MISSING = bi(
    "required when image is set",
    "画像（image）を載せるときは、画像の説明を image_alt に書いてください。例：image_alt: 集まりの様子",
)
PartnerType = Literal["npo", "company", "university", "government", "community", "other"]
CaseStatus = Literal["proposal", "planning", "ongoing", "completed"]
EventStatus = Literal["scheduled", "cancelled", "postponed", "moved-online"]
ChartType = Literal["bar", "line", "stacked-bar"]
CsvEncoding = Literal["utf-8", "cp932"]


class Partner(Strict):
    name: Text
    type: PartnerType
    url: Url | None = None


class Case(Item):
    partners: Annotated[list[Partner], Field(min_length=2)]
    wards: Annotated[list[WardId], BeforeValidator(_listify)] = []
    sdgs: Annotated[list[SdgGoal], BeforeValidator(_numbers)] = []
    status: CaseStatus
    started: DateOnly | None = None


def span_problem(start: dt.date | dt.datetime, end: dt.date | dt.datetime | None) -> Bilingual | None:
    if end is None:
        return None
    if isinstance(start, dt.datetime) != isinstance(end, dt.datetime):
        return bi(
            "start and end must both be dates or both be date-times",
            "start と end は、両方を日付だけ（2020-07-20）にするか、両方を時刻付き（2020-07-20T18:30）にしてください。",
        )
    if dates.as_instant(end) < dates.as_instant(start):
        return bi(
            "end is before start",
            "終わり（end）が始まり（start）より前になっています。end には start より後の日時を書いてください。",
        )
    return None


NO_PLACE = bi(
    "an event needs a venue or online (or both)",
    "会場（venue）かオンライン（online）の少なくとも一方を書いてください。"
    "例：venue: 横浜市市民協働推進センター、または online: true",
)


class Event(Item):
    start: Time
    end: Time | None = None
    venue: Text | None = None
    address: Text | None = None
    online: Annotated[Literal[True] | Url, BeforeValidator(_true_text)] | None = None
    capacity: Annotated[int, BeforeValidator(_whole_number), Field(gt=0, strict=True)] | None = None
    fee: Text | None = None
    registration: Url | None = None
    series: Slug | None = None
    status: EventStatus = "scheduled"
    updated: Instant | None = None  # last change subscribers should see (calendar SEQUENCE; calendar_ics.py)

    @classmethod
    def presence_problems(cls, data: dict) -> list[tuple[str, str]]:
        found = super().presence_problems(data)
        if not data.get("venue") and not data.get("online"):
            found.append(("venue", NO_PLACE))
        try:  # so that a span mistake shows up beside errors in other fields
            message = (
                span_problem(dates.parse_time(data.get("start")), dates.parse_time(data["end"]))
                if "end" in data
                else None
            )
        except ValueError:  # start or end themselves are wrong: their own errors say so
            message = None
        if message:
            found.append(("end", message))
        return found

    @model_validator(mode="after")
    def _span(self) -> Event:
        message = span_problem(self.start, self.end)
        if message:
            raise problem("end", message)
        return self

    @model_validator(mode="after")
    def _updated_after_date(self) -> Event:
        if self.updated is not None and self.updated < self.date:
            raise problem(
                "updated",
                bi(
                    "updated is before date (the publish time)",
                    "更新日時（updated）が公開日時（date）より前になっています。date より後の日時を書いてください。",
                ),
            )
        return self

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, dt.datetime)

    @property
    def ends_at(self) -> dt.datetime:
        """The moment the event becomes a past event."""
        last = self.end if self.end is not None else self.start
        if isinstance(last, dt.datetime):
            return last
        return dates.day_after(last)


class News(Item):
    pass


class Dataset(Strict):
    id: Slug
    file: Text
    source: Text
    source_url: Url
    license: Text
    retrieved: DateOnly | None = None
    encoding: CsvEncoding | None = None
    download_url: Url | None = None


class Chart(Strict):
    dataset: Text
    type: ChartType
    x: Text
    y: Text | Annotated[list[Text], Field(min_length=1)]
    title: Text
    caption: Text | None = None

    @property
    def columns(self) -> list[str]:
        return [self.y] if isinstance(self.y, str) else list(self.y)


class IssuePage(Item):
    datasets: Annotated[list[Dataset], Field(min_length=1)]
    charts: Annotated[list[Chart], Field(min_length=1)]

    @model_validator(mode="after")
    def _charts_name_datasets(self) -> IssuePage:
        known = {dataset.id for dataset in self.datasets}
        for index, chart in enumerate(self.charts):
            if chart.dataset not in known:
                ids = "、".join(sorted(known))
                message = bi(
                    f"unknown dataset {chart.dataset!r}; define it under datasets",
                    f"「{chart.dataset}」というデータは datasets にありません。datasets に書いた id（{ids}）を"
                    "書くか、datasets にこのデータを書き足してください。",
                )
                raise problem(f"charts.{index}.dataset", message)
        return self


class Page(Item):
    pass


def header_problem(value: str) -> Bilingual | None:
    """Why ``value`` cannot go into a mail header: a line break of any kind (CR, LF,
    U+0085, U+2028, U+2029) or another control character; ``None`` when it can."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            name = unicodedata.name(char, "control character")
            where = "it goes into a mail header"
            return bi(
                f"must be a single line without control characters ({where}): U+{ord(char):04X} {name}",
                f"改行などの見えない文字（U+{ord(char):04X}）が入っています。メールの件名や差出人に使うので、"
                "1行で書いてください。",
            )
    return None


def _one_line(value: str) -> str:
    problem_text = header_problem(value)
    if problem_text:
        raise ValueError(problem_text)
    return value


class Edition(Strict):
    """A newsletter edition (メルマガ): ``content/newsletter/<id>.md``.

    The file name is the edition id (``2020-07a``); the body is the editor's
    introduction. ``date`` is the send time: the edition lists only what is public
    then, and its web copy appears at ``/newsletter/<id>/`` from then on. ``from``
    and ``to`` bound the publish times of the cases and news it lists (``to`` as a
    date includes that day); without them the period starts after the previous
    edition's send time (else 14 days before this one) and ends at the send time.
    """

    title: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_one_line)] | None = None
    subject: Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_one_line)] | None = None
    summary: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    date: Instant
    period_from: Time | None = Field(default=None, alias="from")
    period_to: Time | None = Field(default=None, alias="to")
    draft: bool = False

    @property
    def slug(self) -> None:
        """The id is always the file name."""
        return None

    @classmethod
    def presence_problems(cls, data: dict) -> list[tuple[str, str]]:
        return []

    @model_validator(mode="after")
    def _period(self) -> Edition:
        bounded = self.period_from is not None and self.period_to is not None
        if bounded and dates.as_instant(self.period_to) < dates.as_instant(self.period_from):
            raise problem(
                "to",
                bi(
                    "to is before from",
                    "期間の終わり（to）が始まり（from）より前になっています。"
                    "to には from より後の日付を書いてください。",
                ),
            )
        return self
