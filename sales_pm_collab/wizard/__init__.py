# ruff: noqa: I001 (build order: the feedback wizards reuse the requirement's match mixin)
from . import requirement
from . import feedback
from . import channel
from . import rebate
