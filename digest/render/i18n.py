"""Interface wording and date formats for the site's language (English and Korean).

Dates come from Babel's CLDR data, so month names, orders and separators are
the locale's own; sentences the site composes live in the tables below.
"""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time

_EN_NUMBERS = ["No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
               "Eleven", "Twelve"]

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "skip": "Skip to content",
        "latest": "Latest",
        "archive": "Archive",
        "topics": "Topics",
        "search": "Search",
        # The search box (templates/_search.html): [SEARCH_TERM] is what the reader typed, [COUNT] how many pages
        # matched; while it searches only the newest issues, [SINCE] is the month or year they start at.
        "search_zero": "No results for [SEARCH_TERM]",
        "search_one": "[COUNT] result for [SEARCH_TERM]",
        "search_many": "[COUNT] results for [SEARCH_TERM]",
        "search_zero_scoped": "No results for [SEARCH_TERM] in issues since [SINCE]",
        "search_one_scoped": "[COUNT] result for [SEARCH_TERM] in issues since [SINCE]",
        "search_many_scoped": "[COUNT] results for [SEARCH_TERM] in issues since [SINCE]",
        "search_more": "Load more results",
        "search_all": "Search all issues",
        "site_nav": "Site",
        "speed_read": "Speed-read table",
        "col_rank": "#",
        "col_paper": "Paper",
        "col_reason": "First-read reason",
        "col_evidence": "Evidence strength",
        "label_reason": "First read",
        "label_evidence": "Evidence",
        "source_n": "Source {n}",
        "decision": "Decision",
        "what": "What it does",
        "technical": "Technical read",
        "limits": "Evidence and limits",
        "title": "Title",
        "authors": "Authors",
        "categories": "Categories",
        "venue": "Venue",
        "listed_as": "Listed as",
        "new_version": "a new version{v} of an earlier paper",
        "scores": "Scores",
        "total": "total",
        "score_editor": "set by the editor",
        "score_auto": "automatic",
        "score_none": "no score",
        "unreviewed": "Not yet reviewed by an editor: the summary below is the paper's own abstract.",
        "links_for": "Links for {name}",
        "link_abs": "arXiv abstract",
        "link_pdf": "PDF",
        "link_page": "Paper page",
        "link_code": "Code",
        "link_project": "Project page",
        "reading_order": "Reading order by research area",
        "sources": "Sources",
        "cover": "Cover",
        "issues_nav": "Issues",
        "recent": "Recent issues",
        "all_issues": "All issues in the archive",
        "no_issue": "No issue has been published yet.",
        "archive_title": "Archive",
        "archive_desc": "Every issue of {site}, by month.",
        "archive_year_desc": "The issues of {site} in {year}, by month.",
        "archive_years": "Years",
        "issues_one": "{n} issue",
        "issues_many": "{n} issues",
        "not_found": "Page not found",
        "not_found_text": "This page does not exist.",
        "feed_papers": "{site}: papers",
        "footer": "{site} reads the daily arXiv announcements. Papers link to their arXiv abstract pages; times are {tz}.",
        "formula": "Formula",
        "table": "Table",
        # composed sentences
        "title_default": "{count} {topic} {noun}: {date}",
        "paper_one": "paper",
        "paper_many": "papers",
        "dek": "The {day} arXiv window, read for you: {count} {topic} {picks} in ranked order, {names}.",
        "dek_pick_one": "pick",
        "dek_pick_many": "picks",
        "dek_none": "No {topic} papers were picked from the {day} arXiv window.",
        "window": "This issue covers arXiv announcements from {start} to {end} ({tz}).",
        "window_shorter": " The window is a little shorter than a full day because the previous issue went out after {cut}.",
        "window_longer": " The window is a little longer than a full day because the previous issue went out before {cut}.",
        "window_days": " It spans {days} days, back to the previous issue.",
        "window_none": " arXiv made no announcement in it (weekend or arXiv holiday), so it brings no new listing.",
        "window_one": " It holds one arXiv announcement: {weekday} {day}, {time} US Eastern, the listing of {listing}.",
        "window_many": " It holds {count} arXiv announcements, the listings of {listings}.",
        # archive calendar, topic pages and paper pages (render/collections.py)
        "archive_legend": "Each month is a calendar of issue dates: a linked day has an issue. "
                          "Days without one say why when we know: “weekend” (arXiv announces nothing on "
                          "Friday or Saturday, US Eastern, so that day's window is empty) or “holiday” "
                          "(an arXiv holiday emptied it).",
        "calendar_of": "Calendar of {month}",
        "issues_of": "Issues of {month}",
        "cal_weekend": "weekend",
        "cal_holiday": "holiday",
        "cal_none": "no issue",
        "cal_weekend_long": "No issue: arXiv makes no announcement on Friday or Saturday (US Eastern), so this day's window is empty.",
        "cal_holiday_long": "No issue: arXiv holiday ({day}, US Eastern), so this day's window is empty.",
        "cal_none_long": "No issue on this day.",
        "topics_title": "Topics",
        "topics_desc": "Every research area the editors of {site} have tagged, with its papers.",
        "topics_none": "No paper has been tagged with a research area yet.",
        "topic_desc": "{count} on {topic} in {site}, newest issue first.",
        "topic_year_desc": "{count} on {topic} in {site} last shown in {year}, newest issue first.",
        "topic_label": "Topic",
        "all_topics": "All topics",
        "topic_years": "Years",
        "papers_one": "{n} paper",
        "papers_many": "{n} papers",
        "rank_n": "rank {n}",
        "shown_card": "card",
        "shown_table": "table only",
        "paper_details": "About this paper",
        "arxiv_id": "arXiv id",
        "abstract": "Abstract",
        "from_issue": "From the issue of {date}.",
        "in_issues": "In the digest",
        "col_issue": "Issue",
        "col_shown": "Shown as",
        "col_version": "Version",
        "versions_seen": "Versions seen",
        "announce_new": "new",
        "announce_cross": "cross-list",
        "announce_replace": "replacement",
        "announce_replace_cross": "replacement, cross-list",
        "and": "and",
    },
    "ko": {
        "skip": "본문으로 건너뛰기",
        "latest": "최신호",
        "archive": "지난 호",
        "topics": "주제",
        "search": "검색",
        "search_zero": "[SEARCH_TERM] 검색 결과 없음",
        "search_one": "[SEARCH_TERM] 검색 결과 [COUNT]건",
        "search_many": "[SEARCH_TERM] 검색 결과 [COUNT]건",
        "search_zero_scoped": "[SINCE] 이후 호에서 [SEARCH_TERM] 검색 결과 없음",
        "search_one_scoped": "[SINCE] 이후 호에서 [SEARCH_TERM] 검색 결과 [COUNT]건",
        "search_many_scoped": "[SINCE] 이후 호에서 [SEARCH_TERM] 검색 결과 [COUNT]건",
        "search_more": "결과 더 보기",
        "search_all": "모든 호에서 검색",
        "site_nav": "사이트",
        "speed_read": "한눈에 보기",
        "col_rank": "#",
        "col_paper": "논문",
        "col_reason": "먼저 읽을 이유",
        "col_evidence": "근거의 강도",
        "label_reason": "먼저 읽을 이유",
        "label_evidence": "근거",
        "source_n": "출처 {n}",
        "decision": "판단",
        "what": "무엇을 하는가",
        "technical": "기술적 읽기",
        "limits": "근거와 한계",
        "title": "제목",
        "authors": "저자",
        "categories": "분야",
        "venue": "학회·저널",
        "listed_as": "게재 형태",
        "new_version": "이전 논문의 새 버전{v}",
        "scores": "점수",
        "total": "합계",
        "score_editor": "편집자가 정함",
        "score_auto": "자동 산정",
        "score_none": "점수 없음",
        "unreviewed": "아직 편집자가 검토하지 않았습니다. 아래 요약은 논문 초록입니다.",
        "links_for": "{name} 링크",
        "link_abs": "arXiv 초록",
        "link_pdf": "PDF",
        "link_page": "논문 페이지",
        "link_code": "코드",
        "link_project": "프로젝트 페이지",
        "reading_order": "연구 분야별 읽는 순서",
        "sources": "출처",
        "cover": "표지",
        "issues_nav": "호 이동",
        "recent": "최근 호",
        "all_issues": "지난 호 전체 보기",
        "no_issue": "아직 발행된 호가 없습니다.",
        "archive_title": "지난 호",
        "archive_desc": "{site}의 모든 호를 월별로 모았습니다.",
        "archive_year_desc": "{site}의 {year} 호를 월별로 모았습니다.",
        "archive_years": "연도",
        "issues_one": "{n}개 호",
        "issues_many": "{n}개 호",
        "not_found": "페이지를 찾을 수 없습니다",
        "not_found_text": "이 페이지는 없습니다.",
        "feed_papers": "{site}: 논문",
        "footer": "{site}는 매일 arXiv 발표를 읽습니다. 논문은 arXiv 초록 페이지로 연결되며, 시각은 {tz} 기준입니다.",
        "formula": "수식",
        "table": "표",
        "title_default": "{topic} 논문 {count}편: {date}",
        "paper_one": "",
        "paper_many": "",
        "dek": "{day} arXiv 발표에서 고른 {topic} 논문 {count}편, 순위순: {names}.",
        "dek_pick_one": "",
        "dek_pick_many": "",
        "dek_none": "{day} arXiv 발표에서 고른 {topic} 논문이 없습니다.",
        "window": "이번 호는 {start}부터 {end}까지({tz})의 arXiv 발표를 다룹니다.",
        "window_shorter": " 이전 호가 {cut} 이후에 발행되어 하루보다 조금 짧습니다.",
        "window_longer": " 이전 호가 {cut} 이전에 발행되어 하루보다 조금 깁니다.",
        "window_days": " 이전 호 이후 {days}일에 걸쳐 있습니다.",
        "window_none": " 이 기간에는 arXiv 발표가 없었습니다(주말 또는 arXiv 휴일). 새 목록이 없습니다.",
        "window_one": " arXiv 발표 한 번이 포함됩니다: 미국 동부 시각 {day} ({weekday}) {time}, {listing} 목록.",
        "window_many": " arXiv 발표 {count}번이 포함됩니다: {listings} 목록.",
        "archive_legend": "달마다 발행일 달력을 보여 줍니다. 링크가 있는 날에는 호가 있습니다. "
                          "호가 없는 날에는 아는 경우 그 이유를 적었습니다. “주말”은 arXiv가 (미국 동부 시각) "
                          "금요일과 토요일에 발표하지 않아 그날의 범위가 비었다는 뜻이고, “휴일”은 arXiv 휴일 때문에 비었다는 뜻입니다.",
        "calendar_of": "{month} 달력",
        "issues_of": "{month} 발행 호",
        "cal_weekend": "주말",
        "cal_holiday": "휴일",
        "cal_none": "호 없음",
        "cal_weekend_long": "호 없음: arXiv는 (미국 동부 시각) 금요일과 토요일에 발표하지 않아 이 날의 범위가 비어 있습니다.",
        "cal_holiday_long": "호 없음: arXiv 휴일({day}, 미국 동부 시각)이라 이 날의 범위가 비어 있습니다.",
        "cal_none_long": "이 날은 발행된 호가 없습니다.",
        "topics_title": "주제",
        "topics_desc": "{site} 편집자가 붙인 모든 연구 분야와 그 논문을 모았습니다.",
        "topics_none": "아직 연구 분야가 붙은 논문이 없습니다.",
        "topic_desc": "{site}에 실린 {topic} 논문 {count}, 최신 호부터.",
        "topic_year_desc": "{site}에 {year}에 마지막으로 실린 {topic} 논문 {count}, 최신 호부터.",
        "topic_label": "주제",
        "all_topics": "모든 주제",
        "topic_years": "연도",
        "papers_one": "{n}편",
        "papers_many": "{n}편",
        "rank_n": "{n}위",
        "shown_card": "카드",
        "shown_table": "표에만",
        "paper_details": "이 논문 정보",
        "arxiv_id": "arXiv 번호",
        "abstract": "초록",
        "from_issue": "{date} 호에서.",
        "in_issues": "실린 호",
        "col_issue": "호",
        "col_shown": "실린 형태",
        "col_version": "버전",
        "versions_seen": "확인된 버전",
        "announce_new": "신규",
        "announce_cross": "교차 등록",
        "announce_replace": "교체",
        "announce_replace_cross": "교체, 교차 등록",
        "and": "및",
    },
}


class Lang:
    """Words and date formats for one site language (falls back to English wording)."""

    def __init__(self, tag: str):
        self.tag = tag
        base = tag.split("-")[0].lower()
        self.strings = {**STRINGS["en"], **STRINGS.get(base, {})}
        self.base = base if base in STRINGS else "en"
        try:
            self.locale = Locale.parse(tag.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            self.locale = Locale.parse("en")

    def t(self, key: str, **kw: object) -> str:
        """The interface string `key`, filled in."""
        text = self.strings[key]
        return text.format(**kw) if kw else text

    def header_date(self, d: date) -> str:
        """'July 1, 2026' in English, '2026. 7. 1.' in Korean (the issue header's date)."""
        return format_date(d, "medium" if self.base == "ko" else "long", locale=self.locale)

    def long_date(self, d: date) -> str:
        """'July 1, 2026' / '2026년 7월 1일'."""
        return format_date(d, "long", locale=self.locale)

    def month_day(self, d: date) -> str:
        """'July 1' / '7월 1일'."""
        return format_skeleton("MMMMd", d, locale=self.locale)

    def month_day_time(self, dt: datetime) -> str:
        """'June 30, 09:20' / '6월 30일 09:20'."""
        sep = " " if self.base == "ko" else ", "
        return f"{self.month_day(dt)}{sep}{dt.strftime('%H:%M')}"

    def month_year(self, d: date) -> str:
        """'July 2026' / '2026년 7월'."""
        return format_skeleton("yMMMM", d, locale=self.locale)

    def weekday(self, d: date) -> str:
        """'Wednesday' / '수요일'."""
        return format_date(d, "EEEE", locale=self.locale)

    def time(self, dt: datetime) -> str:
        """'09:24'."""
        return format_time(dt, "HH:mm", locale=self.locale)

    def count(self, n: int) -> str:
        """'Five' in English titles; digits elsewhere."""
        if self.base == "en":
            return _EN_NUMBERS[n] if 0 <= n < len(_EN_NUMBERS) else str(n)
        return str(n)

    def join(self, names: list[str]) -> str:
        """'A, B, and C' / 'A, B 및 C'."""
        if not names:
            return ""
        if len(names) == 1:
            return names[0]
        if self.base == "en":
            if len(names) == 2:
                return f"{names[0]} and {names[1]}"
            return ", ".join(names[:-1]) + f", and {names[-1]}"
        return ", ".join(names[:-1]) + f" {self.t('and')} {names[-1]}"


@lru_cache(maxsize=8)
def lang(tag: str) -> Lang:
    """The Lang for a language tag (cached: Babel locale parsing is not free)."""
    return Lang(tag)
