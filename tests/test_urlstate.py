"""Reading a link's values back (erbium_zoom.urlstate): checked, with what is wrong in words."""

from __future__ import annotations

from datetime import date

import pytest

from erbium_zoom import urlstate
from erbium_zoom.attendance import EventRef
from erbium_zoom.connection import DEMO_SCENARIOS
from erbium_zoom.models import EventKind

PROFILES = ["Acme Corp", "Globex"]
WEBINAR = "webinar:81234567890"
MEETING = "meeting:91234567890"
PAST = "webinar:4444AAAiAAAAAiAiAiiAii=="


def client(**values) -> urlstate.ClientChoice:
    return urlstate.read_client(
        {name: [value] for name, value in values.items()}, PROFILES, DEMO_SCENARIOS
    )


def test_a_known_profile_is_chosen():
    assert client(client="Acme Corp") == urlstate.ClientChoice(profile="Acme Corp")


def test_an_unknown_profile_is_missing_not_replaced():
    choice = client(client="Initech")
    assert (choice.profile, choice.missing, choice.demo) == (None, "Initech", None)


def test_the_profile_wins_over_a_demo_client():
    assert client(client="Globex", demo="classic") == urlstate.ClientChoice(profile="Globex")


def test_a_demo_client_by_its_scenario():
    assert client(demo="missing_scopes").demo == "missing_scopes"


def test_an_unknown_demo_client_is_said_and_left_out():
    choice = client(demo="nonsense")
    assert choice.demo is None
    [problem] = choice.problems
    assert "“nonsense”" in problem and "does not exist" in problem and "missing_scopes" in problem


def test_a_demo_link_on_a_dashboard_without_demo_data_is_said():
    choice = urlstate.read_client({"demo": ["full"]}, PROFILES, DEMO_SCENARIOS, demo_allowed=False)
    assert choice.demo is None
    assert choice.problems == ("This link shows demo data, which is off on this dashboard.",)


def test_hosts_are_checked_and_written_back_tidy():
    assert client(hosts="ana@acme.example ;me").hosts == "ana@acme.example, me"
    choice = client(hosts="not a host")
    assert choice.hosts is None
    assert "are not host e-mails or Zoom user IDs" in choice.problems[0]


def test_values_from_a_link_are_shown_escaped_and_short():
    said = urlstate.shown("[click](http://evil.example) **now**" + "x" * 100)
    assert "](" not in said and "\\[click\\]" in said and "\\*\\*now" in said
    assert said.endswith("…”") and len(said) < 100
    assert urlstate.shown("a\nb\x00c") == "“a b c”"


def test_client_params_name_a_profile_or_a_demo_client_never_both():
    assert urlstate.client_params("Acme Corp", None) == {
        "client": ["Acme Corp"],
        "demo": None,
        "hosts": None,
    }
    assert urlstate.client_params(None, "classic", ("me", "ana@acme.example")) == {
        "client": None,
        "demo": ["classic"],
        "hosts": ["me,ana@acme.example"],
    }
    # Typed credentials or the environment's: no client in the address.
    assert urlstate.client_params(None, None) == {"client": None, "demo": None, "hosts": None}


def test_a_choice_is_matched_without_regard_to_case_and_spelt_back():
    field = urlstate.choice("kind", ["Webinar", "Meeting"], "the kind", str.lower)
    assert field.read({"kind": ["WEBINAR"]}) == urlstate.Read("Webinar")
    assert field.write("Meeting") == {"kind": ["meeting"]}
    assert field.write("") == {"kind": None}
    unknown = field.read({"kind": ["seminar"]})
    assert unknown.value is None
    assert unknown.problems == (
        "This link asks for the kind “seminar”, which is not here, so it is left out.",
    )


def test_several_choices_keep_the_known_ones_and_say_the_others():
    field = urlstate.choices("kind", ["Webinar", "Meeting"], "the kind", str.lower)
    result = field.read({"kind": ["meeting", "gala", "webinar", "meeting"]})
    assert result.value == ["Meeting", "Webinar"]
    assert len(result.problems) == 1 and "“gala”" in result.problems[0]
    assert field.read({}) == urlstate.Read(None)
    assert field.write(["Webinar", "Meeting"]) == {"kind": ["webinar", "meeting"]}
    assert field.write([]) == {"kind": None}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("webinar:81234567890", WEBINAR),
        ("Webinar:812 3456 7890", WEBINAR),
        ("meeting:91234567890", MEETING),
        (PAST, PAST),
        ("81234567890", "81234567890"),
    ],
)
def test_event_keys_are_read_in_their_usual_forms(text, key):
    assert urlstate.event_key(text) == key


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("gala:81234567890", "is not of the form webinar:ID or meeting:ID"),
        ("webinar:123", "is not a Zoom meeting or webinar ID"),
        ("webinar:<script>", "is not a Zoom meeting or webinar ID"),
        ("", "is not a Zoom meeting or webinar ID"),
    ],
)
def test_malformed_event_keys_say_what_is_wrong(text, words):
    with pytest.raises(ValueError, match=words):
        urlstate.event_key(text)


def test_events_among_the_options_by_key_or_bare_id():
    field = urlstate.events("event", [WEBINAR, MEETING])
    assert field.read({"event": [MEETING, "81234567890"]}).value == [MEETING, WEBINAR]
    single = urlstate.events("event", [WEBINAR, MEETING], single=True)
    assert single.read({"event": [MEETING, WEBINAR]}) == urlstate.Read(MEETING)
    assert single.write(MEETING) == {"event": [MEETING]}


def test_events_not_listed_or_malformed_are_said_and_left_out():
    field = urlstate.events("event", [WEBINAR], "the upcoming event")
    result = field.read({"event": ["webinar:99999999999", "oops", WEBINAR]})
    assert result.value == [WEBINAR]
    listed, malformed = result.problems  # in the link's order; values markdown-escaped
    assert "the upcoming event “webinar\\:99999999999”" in listed and "not among" in listed
    assert "“oops”" in malformed and "It is left out." in malformed
    assert field.read({"event": ["oops"]}).value is None


def test_events_beyond_the_limit_are_said():
    options = [f"webinar:8123456789{n}" for n in range(8)]
    result = urlstate.events("compare", options, limit=5).read({"compare": options})
    assert result.value == options[:5]
    assert result.problems == ("This link names 8 events for compare=; only the first 5 are used.",)


def test_event_keys_need_their_kind():
    field = urlstate.event_keys("event")
    result = field.read({"event": [PAST, "81234567890", "webinar:1"]})
    assert result.value == [PAST]
    assert len(result.problems) == 2
    assert any("does not say whether it is a webinar or a meeting" in p for p in result.problems)


def test_linked_refs_are_the_known_ones_or_added_as_typed():
    listed = EventRef(EventKind.WEBINAR, 81234567890, "4444AAAiAAAAAiAiAiiAii==", topic="Kickoff")
    older = EventRef(EventKind.WEBINAR, 81234567890, "5555BBBiAAAAAiAiAiiAii==", topic="Kickoff")
    refs = urlstate.linked_refs([PAST, WEBINAR, MEETING], [listed, older])
    assert refs[0] is listed  # by its key
    assert len(refs) == 2  # by its ID: the most recent occurrence, which is already there
    assert refs[1] == EventRef(EventKind.MEETING, 91234567890, added=True)


def test_a_date_window_is_read_and_written_as_iso_dates():
    field = urlstate.window()
    window = (date(2026, 12, 1), date(2026, 12, 31))
    assert field.write(window) == {"from": ["2026-12-01"], "to": ["2026-12-31"]}
    assert field.read(field.write(window)) == urlstate.Read(window)
    assert field.read({"from": ["2026-12-01"]}) == urlstate.Read((date(2026, 12, 1),))
    assert field.write(()) == {"from": None, "to": None}
    assert field.read({}) == urlstate.Read(None)


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"from": ["2026-13-01"], "to": ["2026-12-31"]}, "from=“2026\\-13\\-01” is not a date"),
        ({"from": ["yesterday"]}, "is not a date written YYYY-MM-DD"),
        ({"from": ["2026-12-31"], "to": ["2026-12-01"]}, "end (2026-12-01) before they start"),
        ({"to": ["2026-12-31"]}, "an end date (2026-12-31) without a start date"),
    ],
)
def test_a_bad_date_window_is_said_and_left_out(values, words):
    result = urlstate.window().read(values)
    assert result.value is None
    assert any(words in problem for problem in result.problems), result.problems


def test_text_drops_control_characters_and_is_capped():
    field = urlstate.text("q", limit=10)
    assert field.read({"q": ["Kick\x00off and more"]}) == urlstate.Read("Kickoff an")
    assert field.read({"q": ["  "]}) == urlstate.Read(None)
    assert field.write("") == {"q": None}
