"""The web-free parts of the layers: parameters, registry, errors, styles."""

from __future__ import annotations

import pytest

from gis_app.vocab import RoomStatus
from gis_app.vocab import RoomUse
from layers.base import MAX_LIMIT
from layers.base import PROVIDERS
from layers.base import BBox
from layers.base import FeatureNotFound
from layers.base import LayerNotFound
from layers.base import LayerProvider
from layers.base import LayerQueryError
from layers.base import feature_collection
from layers.base import get_provider
from layers.base import parse_bbox
from layers.base import parse_limit
from layers.records import expected_floor_name
from layers.rooms import RoomsProvider
from layers.styles import OVER_STANDARD_STATUS
from layers.styles import UNKNOWN_COLOUR
from layers.styles import legend
from layers.styles import room_colour


def test_bbox_of_four_numbers():
    assert parse_bbox(" 116.9,36.6, 117.1,36.7") == BBox(116.9, 36.6, 117.1, 36.7)
    assert parse_bbox(None) is None
    assert parse_bbox("") is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1,2,3", "bbox_not_four_numbers"),
        ("1,2,3,4,5", "bbox_not_four_numbers"),
        ("a,b,c,d", "bbox_not_four_numbers"),
        ("1,2,nan,4", "bbox_not_four_numbers"),
        ("1,2,inf,4", "bbox_not_four_numbers"),
        ("5,2,3,4", "bbox_inverted"),
        ("1,9,3,4", "bbox_inverted"),
    ],
)
def test_bad_bbox_is_a_query_error(raw, code):
    with pytest.raises(LayerQueryError) as caught:
        parse_bbox(raw)
    assert caught.value.code == code
    assert caught.value.status == 400
    assert caught.value.params["value"] == raw


def test_limit_defaults_and_bounds():
    assert parse_limit(None) == 5000
    assert parse_limit("12") == 12
    assert parse_limit(str(MAX_LIMIT)) == MAX_LIMIT
    for raw in ("0", "-3", "x", str(MAX_LIMIT + 1), "1.5"):
        with pytest.raises(LayerQueryError) as caught:
            parse_limit(raw)
        assert caught.value.code == "bad_limit"


def test_feature_collection_says_when_it_was_cut():
    features = [{"id": i} for i in range(3)]
    cut = feature_collection(features, 2, layer="x")
    assert cut["numberReturned"] == 2 and cut["truncated"] is True and cut["layer"] == "x"
    whole = feature_collection(features, 3)
    assert whole["numberReturned"] == 3 and whole["truncated"] is False


REQUIRED_OPTIONS = {"clusters": {"cell": 0.01}, "regions": {"zoom": 8}}
"""Options a provider cannot be built without (the map always sends a cell size or zoom)."""


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_every_registered_provider_loads_under_its_name(name):
    provider = get_provider(name, **REQUIRED_OPTIONS.get(name, {}))
    assert isinstance(provider, LayerProvider)
    assert provider.name == name


def test_unknown_layer_is_not_found():
    with pytest.raises(LayerNotFound) as caught:
        get_provider("parcels")
    assert caught.value.status == 404 and caught.value.params == {"name": "parcels"}


def test_error_family_maps_to_http_codes():
    assert FeatureNotFound("x", "m").status == 404
    assert LayerQueryError("x", "m").status == 400


def test_rooms_frame_is_checked():
    assert RoomsProvider(frame="plan").frame == "plan"
    with pytest.raises(LayerQueryError) as caught:
        RoomsProvider(frame="3857")
    assert caught.value.code == "bad_frame"


def test_colours_cover_the_vocabularies():
    assert {e["value"] for e in legend("use")} == {str(u) for u in RoomUse} | {""}
    # the plan's status legend: the stored statuses, 超标 (from findings) and unknown
    statuses = {str(s) for s in RoomStatus} | {OVER_STANDARD_STATUS, ""}
    assert {e["value"] for e in legend("status")} == statuses
    assert room_colour("status", "闲置") != room_colour("status", "在用")
    assert room_colour("use", "不存在的用途") == UNKNOWN_COLOUR


def test_expected_floor_names():
    assert [expected_floor_name(o) for o in (-2, -1, 1, 2, 30)] == ["B2", "B1", "1F", "2F", "30F"]
