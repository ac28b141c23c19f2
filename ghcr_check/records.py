"""Records: the engine's value classes, declared as dataclasses are, made without compiling code.

    @record(frozen=True)
    class Finding:
        rule: str
        line: int = 1
        extra: dict = field(default_factory=dict, compare=False)

A record has what the engine used from dataclasses: an `__init__` taking the fields in
order (positional or by name), defaults and default factories, `__repr__`, `__eq__`
over the compared fields, and for a frozen record `__hash__` and no assignment. The
functions replace(), asdict() and fields() work as their dataclasses namesakes do.

Why not dataclasses: it writes each class's methods as source text and compiles them,
about half a millisecond a class, and imports `inspect`. For the 40 classes a one-file
run of `ghcr-check` loads, that was a sixth of the run (bench/startup.py). A record's
methods are shared functions that read the class's field list, so declaring one costs
next to nothing; creating an instance costs about what a dataclass's does.
"""
from __future__ import annotations

_MISSING = object()
_MUTABLE = (list, dict, set)  # as a default, one object would be shared by every instance


class FrozenInstanceError(AttributeError):
    """A field of a frozen record was assigned or deleted."""


class Field:
    """One field of a record: its name, and its default, default factory or neither."""

    __slots__ = ("name", "default", "default_factory", "compare")

    def __init__(self, default=_MISSING, default_factory=_MISSING, compare: bool = True):
        if default is not _MISSING and default_factory is not _MISSING:
            raise ValueError("a field cannot have both a default and a default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.compare = compare

    @property
    def required(self) -> bool:
        return self.default is _MISSING and self.default_factory is _MISSING

    def __repr__(self) -> str:
        return f"Field(name={self.name!r})"


def field(*, default=_MISSING, default_factory=_MISSING, compare: bool = True) -> Field:
    """A field's declaration beyond a plain default; compare=False leaves it out of == and hash()."""
    return Field(default, default_factory, compare)


def record(cls=None, /, *, frozen: bool = False):
    """Make cls a record of its annotated fields (see the module's docstring)."""

    def wrap(cls):
        fields: dict[str, Field] = {}
        for base in reversed(cls.__mro__[1:]):
            fields.update(getattr(base, "__record_fields__", {}))
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            declared = cls.__dict__.get(name, _MISSING)
            made = declared if isinstance(declared, Field) else Field(default=declared)
            if isinstance(made.default, _MUTABLE):
                raise ValueError(f"{cls.__name__}.{name}: a mutable default ({type(made.default).__name__}) "
                                 "would be shared by every instance; use field(default_factory=...)")
            made.name = name
            if isinstance(declared, Field):  # the class attribute is the default, as in dataclasses
                if made.default is _MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, made.default)
            fields[name] = made
        order = list(fields.values())
        for earlier, later in zip(order, order[1:]):
            if later.required and not earlier.required:
                raise TypeError(f"{cls.__name__}: field {later.name!r} without a default follows "
                                f"field {earlier.name!r}, which has one")
        cls.__record_fields__ = fields
        cls.__match_args__ = tuple(fields)
        cls.__init__ = _init(cls.__qualname__, order)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = _repr
        if "__eq__" not in cls.__dict__:
            cls.__eq__ = _eq
        if frozen:
            cls.__setattr__ = _frozen_setattr
            cls.__delattr__ = _frozen_delattr
            if cls.__dict__.get("__hash__") is None:
                cls.__hash__ = _hash
        elif "__hash__" not in cls.__dict__:
            cls.__hash__ = None  # equal by value yet mutable: not hashable, as with dataclasses
        return cls

    return wrap if cls is None else wrap(cls)


def _init(qualname: str, order: list[Field]):
    names = tuple(f.name for f in order)
    count = len(names)
    known = frozenset(names)
    defaults = {f.name: f.default for f in order if f.default is not _MISSING}
    factories = tuple((f.name, f.default_factory) for f in order if f.default_factory is not _MISSING)

    def bind(args: tuple, kwargs: dict) -> dict:
        if len(args) > count:
            raise TypeError(f"{qualname}() takes {count} positional arguments but {len(args)} were given")
        values = defaults.copy()
        values.update(zip(names, args))
        if kwargs:
            if not known.issuperset(kwargs):
                unknown = next(key for key in kwargs if key not in known)
                raise TypeError(f"{qualname}() got an unexpected keyword argument {unknown!r}")
            if args and not kwargs.keys().isdisjoint(names[:len(args)]):
                twice = next(name for name in names[:len(args)] if name in kwargs)
                raise TypeError(f"{qualname}() got multiple values for argument {twice!r}")
            values.update(kwargs)
        for name, factory in factories:
            if name not in values:
                values[name] = factory()
        if len(values) < count:
            missing = [repr(name) for name in names if name not in values]
            raise TypeError(f"{qualname}() missing {len(missing)} required argument{'s' * (len(missing) > 1)}: "
                            f"{', '.join(missing)}")
        return values

    def __init__(self, *args, **kwargs) -> None:
        # every field given by position is the common case: no binding to do
        self.__dict__.update(zip(names, args) if not kwargs and len(args) == count else bind(args, kwargs))

    __init__.__qualname__ = f"{qualname}.__init__"
    return __init__


def _repr(self) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_fields__)
    return f"{type(self).__qualname__}({shown})"


def _compared(self) -> tuple:
    return tuple(getattr(self, f.name) for f in self.__record_fields__.values() if f.compare)


def _eq(self, other):
    if other.__class__ is self.__class__:
        return _compared(self) == _compared(other)
    return NotImplemented


def _hash(self) -> int:
    return hash(_compared(self))


def _frozen_setattr(self, name, value):
    raise FrozenInstanceError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")


def _frozen_delattr(self, name):
    raise FrozenInstanceError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")


def is_record(obj) -> bool:
    return hasattr(obj, "__record_fields__")


def fields(obj) -> tuple[Field, ...]:
    """The fields of a record (class or instance), in order."""
    if not is_record(obj):
        raise TypeError(f"{obj!r} is not a record")
    return tuple(obj.__record_fields__.values())


def replace(obj, /, **changes):
    """A copy of the record obj with the given fields changed."""
    values = {f.name: getattr(obj, f.name) for f in fields(obj)}
    values.update(changes)
    return type(obj)(**values)


def asdict(obj) -> dict:
    """The record's fields as a dict, records inside it turned into dicts too."""
    if isinstance(obj, type) or not is_record(obj):
        raise TypeError(f"asdict() needs a record instance, not {obj!r}")
    return {name: _plain(getattr(obj, name)) for name in obj.__record_fields__}


def _plain(value):
    if is_record(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    return value
