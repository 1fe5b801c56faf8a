"""The engine clinic templates are rendered in, with a limit on how long each part of a message may be.

Templates are rendered by separate Django template engines that know only the vocabulary of
``template_language.py``, load no template files, and see plain read-only values (strings, numbers,
tuples and read-only mappings: nothing a template could change or call to allocate). Memory is bounded
twice: no allowed filter writes more than its input and its arguments, and every pass through a loop is
charged to a budget the size of the part's limit, so the output can never grow past it during rendering.
"""

from __future__ import annotations

from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType, filter_re
from django.utils.translation import gettext as _

from . import template_language

MAX_TEMPLATE_LENGTH = 10_000

# The most each part of a message may hold, in characters. HTML is the email text escaped, so it may run
# longer than the text it comes from.
LIMITS = {"subject": 1_000, "body": 20_000, "html": 40_000, "sms": 2_000}


class TemplateRefused(Exception):
    """A template that may not be used; ``str()`` is a translated sentence for the clinic."""


class OutputTooLong(TemplateRefused):
    pass


class _MessageEngine(Engine):
    # Django's own tags and filters are built into every engine unless told otherwise.
    default_builtins = []


TEXT_ENGINE = _MessageEngine(
    loaders=[], libraries={}, builtins=[template_language.__name__], autoescape=False, debug=False
)
HTML_ENGINE = _MessageEngine(
    loaders=[], libraries={}, builtins=[template_language.__name__], autoescape=True, debug=False
)


class Budget:
    """How many characters a render may still write. ``cut`` says what happens past the limit: a clinic's
    template is refused (``OutputTooLong``); the shipped wording stops writing and is cut to size."""

    def __init__(self, limit: int, *, cut: bool = False):
        self.limit, self.cut, self.spent = limit, cut, 0

    @property
    def exhausted(self) -> bool:
        return self.spent > self.limit

    def spend(self, amount: int) -> bool:
        """Charge ``amount``; False when the limit is passed and the output should be left out."""
        self.spent += amount
        if not self.exhausted:
            return True
        if self.cut:
            return False
        raise _too_long(self.limit)


def _too_long(limit: int) -> OutputTooLong:
    return OutputTooLong(_("This message would be longer than %(limit)s characters.") % {"limit": limit})


class _MeteredContext(Context):
    def __init__(self, values: dict, budget: Budget, autoescape: bool):
        super().__init__(values, autoescape=autoescape)
        self.budget = budget


def check_vocabulary(source: str) -> None:
    """Refuse a tag or filter outside the message vocabulary, naming it, before anything is parsed."""
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            words = token.split_contents()
            tag = words[0] if words else ""
            if tag not in template_language.TAGS + template_language.TAG_PARTS:
                raise TemplateRefused(
                    _("The tag {%% %(tag)s %%} cannot be used in messages; use %(allowed)s.")
                    % {"tag": tag[:40], "allowed": ", ".join(template_language.TAGS)}
                )
        elif token.token_type == TokenType.VAR:
            for match in filter_re.finditer(token.contents):
                name = match.group("filter_name")
                if name and name not in template_language.FILTERS:
                    raise TemplateRefused(
                        _("The filter |%(filter)s cannot be used in messages; use %(allowed)s.")
                        % {"filter": name[:40], "allowed": ", ".join(sorted(template_language.FILTERS))}
                    )


def render(engine: Engine, source: str, values: dict, limit: int, *, cut: bool = False) -> str:
    """``source`` rendered over ``values``, at most ``limit`` characters long. A clinic's template that is
    too long, uses what the vocabulary lacks, does not parse or writes past ``limit`` raises
    ``TemplateRefused``; with ``cut`` (the shipped wording) the output is cut to ``limit`` instead."""
    if len(source) > MAX_TEMPLATE_LENGTH:
        raise TemplateRefused(_("This text is too long."))
    check_vocabulary(source)
    try:
        template = engine.from_string(source)
    except TemplateSyntaxError as error:
        raise TemplateRefused(
            _("This template has an error: %(error)s") % {"error": str(error)[:200]}
        ) from error
    budget = Budget(limit, cut=cut)
    output = template.render(_MeteredContext(values, budget, engine.autoescape))
    if len(output) > limit:
        if not cut:
            raise _too_long(limit)  # the text outside loops alone went past the limit
        output = output[:limit]
    return output
