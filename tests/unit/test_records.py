"""records: the engine's value classes behave as the dataclasses they replaced."""
from __future__ import annotations

import pytest

from ghcr_check.records import FrozenInstanceError, asdict, field, fields, record, replace


@record(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: tuple = ()
    note: dict = field(default_factory=dict, compare=False)

    def moved(self, by: int) -> "Point":
        return replace(self, x=self.x + by)


@record
class Basket:
    owner: str
    items: list = field(default_factory=list)


def test_fields_are_taken_by_position_or_name_with_defaults_and_factories():
    assert (Point(1).x, Point(1).y, Point(1).tags, Point(1).note) == (1, 0, (), {})
    assert Point(1, 2) == Point(x=1, y=2) == Point(y=2, x=1)
    assert Point(1, 2, ("a",), {"k": 1}).note == {"k": 1}
    first, second = Basket("ann"), Basket("bob")
    first.items.append("pear")
    assert second.items == []  # each instance its own list


def test_repr_names_every_field_in_order():
    assert repr(Point(1, note={"k": 1})) == "Point(x=1, y=0, tags=(), note={'k': 1})"
    assert repr(Basket("ann")) == "Basket(owner='ann', items=[])"


def test_equality_and_hash_leave_out_fields_not_compared():
    assert Point(1, note={"a": 1}) == Point(1, note={"b": 2})
    assert hash(Point(1, note={"a": 1})) == hash(Point(1))
    assert len({Point(1), Point(1, note={"x": 1}), Point(2)}) == 2
    assert Point(1) != Point(2)
    assert Point(1) != (1, 0, (), {})  # a record equals only a record of its own class


def test_a_frozen_record_refuses_assignment_and_a_mutable_one_is_not_hashable():
    point = Point(1)
    with pytest.raises(FrozenInstanceError):
        point.x = 2
    with pytest.raises(AttributeError):
        del point.y
    basket = Basket("ann")
    basket.owner = "bob"
    assert basket.owner == "bob"
    with pytest.raises(TypeError):
        hash(basket)


def test_replace_asdict_and_fields():
    point = Point(1, 2, note={"k": 1})
    assert point.moved(3) == Point(4, 2) and point.moved(3).note == {"k": 1}
    assert asdict(point) == {"x": 1, "y": 2, "tags": (), "note": {"k": 1}}

    @record
    class Nested:
        points: list
    assert asdict(Nested([Point(1)])) == {"points": [{"x": 1, "y": 0, "tags": (), "note": {}}]}
    assert [f.name for f in fields(Point)] == ["x", "y", "tags", "note"]
    assert Point.__match_args__ == ("x", "y", "tags", "note")


@pytest.mark.parametrize(("call", "message"), [
    (lambda: Point(), "missing 1 required argument: 'x'"),
    (lambda: Point(1, 2, (), {}, 5), "takes 4 positional arguments but 5 were given"),
    (lambda: Point(1, x=2), "got multiple values for argument 'x'"),
    (lambda: Point(1, z=2), "got an unexpected keyword argument 'z'"),
    (lambda: replace(Point(1), z=2), "got an unexpected keyword argument 'z'"),
    (lambda: asdict(Point), "needs a record instance"),
    (lambda: fields(object()), "is not a record"),
])
def test_wrong_arguments_are_a_type_error_that_says_what_is_wrong(call, message):
    with pytest.raises(TypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_declarations_dataclasses_refuses_are_refused_too():
    with pytest.raises(TypeError, match="without a default follows"):
        @record
        class Backwards:
            x: int = 0
            y: int
    with pytest.raises(ValueError, match="mutable default"):
        @record
        class Shared:
            items: list = []  # noqa: RUF012 - the mistake under test
