from __future__ import annotations

import pytest

from annotator.model.errors import CodebookError
from annotator.model.types import Codebook
from annotator.project import default_codebook
from tests.conftest import SAMPLE


def test_only_a_name_is_required_and_colours_are_filled():
    codebook = Codebook.from_dict({"labels": [{"name": "A"}, "B"], "doc_labels": ["Overall"]})
    assert [label.name for label in codebook.labels] == ["A", "B"]
    assert all(label.color.startswith("#") for label in codebook.labels)
    assert codebook.doc_labels[0].scope == "document"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "JSON object"),
        ({"labels": [{"color": "#fff"}]}, "label 1 has no name"),
        ({"labels": [{"name": "A"}, {"name": "A"}]}, "appears twice"),
        ({"labels": [{"name": "A", "hotkey": "1"}, {"name": "B", "hotkey": "1"}]}, "hotkey '1'"),
        ({"labels": [{"name": "A", "parent": "Z"}]}, "parent 'Z'"),
        ({"labels": "A"}, "must be a list"),
        ({"labels": [], "attributes": [{"name": "x", "values": "a"}]}, "must be a list"),
    ],
)
def test_invalid_codebooks_are_refused_clearly(data, message):
    with pytest.raises(CodebookError, match=message):
        Codebook.from_dict(data)


@pytest.mark.parametrize("color", ["red; background: url(x)", "red", "#12345", "#1234567", "#ggg", " #fff",
                                   "#fff;}", "rgb(0,0,0)"])
@pytest.mark.parametrize("key", ["labels", "doc_labels"])
def test_a_colour_that_is_not_hex_is_refused_naming_the_label(color, key):
    # Colours end up in Qt stylesheets: anything but #rgb / #rrggbb could inject rules.
    with pytest.raises(CodebookError, match=r"label 'Evil' has colour") as refused:
        Codebook.from_dict({key: [{"name": "Fine", "color": "#E69F00"}, {"name": "Evil", "color": color}]})
    assert repr(color) in str(refused.value)


def test_hex_colours_in_both_forms_and_any_case_are_accepted():
    codebook = Codebook.from_dict({"labels": [{"name": "A", "color": "#E69F00"}, {"name": "B", "color": "#fff"},
                                              {"name": "C", "color": "#abcDEF"}, {"name": "D"}]})
    assert [label.color for label in codebook.labels][:3] == ["#E69F00", "#fff", "#abcDEF"]


def test_shipped_codebook_colours_pass_validation():
    codebook = default_codebook()  # news-stance.json, read through Codebook.from_dict
    assert codebook.labels and all(label.color.startswith("#") for label in codebook.labels)
    codebook.validate()


def test_round_trip_through_dict():
    codebook = default_codebook()
    assert Codebook.from_dict(codebook.to_dict()) == codebook


def test_default_codebook_is_built_from_the_sample_article():
    codebook = default_codebook()
    text = SAMPLE.read_text(encoding="utf-8")
    hotkeys = [label.hotkey for label in codebook.labels]
    assert hotkeys[:9] == [str(i) for i in range(1, 10)]
    assert "Quotation" in [label.name for label in codebook.labels]
    for label in codebook.labels:
        assert label.description
        assert label.examples, label.name
        for example in label.examples:
            assert example in text, (label.name, example)
    assert {a.name for a in codebook.attributes} == {"speaker", "target", "polarity", "voice"}
    voice = next(a for a in codebook.attributes if a.name == "voice")
    assert set(voice.values) == {"direct quote", "reported speech", "outlet"}


def test_check_attributes_names_each_value_outside_its_list():
    codebook = Codebook.from_dict({"labels": ["A"], "attributes": [
        {"name": "voice", "values": ["direct quote", "outlet"]}, {"name": "speaker"}]})
    assert codebook.check_attributes({"voice": "outlet", "speaker": "anyone", "undefined": 3}) == []
    assert codebook.check_attributes({"voice": "direct quote5", "speaker": "x"}) == [
        "attribute 'voice' cannot be 'direct quote5': the codebook allows 'direct quote', 'outlet'"]
    assert len(codebook.check_attributes({"voice": "Outlet "})) == 1  # exact: case and spaces count
    assert codebook.attributes[0].check_value(None) is not None
