"""What a clinic may write in a message template: three tags and a short list of filters.

This is the whole vocabulary of the message engine (``sandbox.py``): Django's own tags and filters are not
loaded. Left out on purpose are the filters whose argument sets how much they write (``ljust``, ``rjust``,
``center``, ``wordwrap``, ``floatformat``, ``stringformat``: ``{{ patient_name|ljust:100000000 }}`` is 40
bytes that ask for 100 MB), ``safe`` and ``{% autoescape %}`` (a patient's name must not become HTML in an
email), and every tag that reaches outside the message (``include``, ``extends``, ``load``, ``ssi``,
``debug``, ``now``).
"""

from __future__ import annotations

from django.template import Library, Node, NodeList, defaultfilters, defaulttags

register = Library()

TAGS = ("if", "for", "comment")
# The words that close or divide those tags: not tags of their own, but allowed inside {% %}.
TAG_PARTS = ("elif", "else", "endif", "empty", "endfor", "endcomment")

FILTERS = {
    "capfirst": defaultfilters.capfirst,
    "default": defaultfilters.default,
    "default_if_none": defaultfilters.default_if_none,
    "first": defaultfilters.first,
    "last": defaultfilters.last,
    "length": defaultfilters.length,
    "linebreaksbr": defaultfilters.linebreaksbr,
    "lower": defaultfilters.lower,
    "pluralize": defaultfilters.pluralize,
    "title": defaultfilters.title,
    "truncatechars": defaultfilters.truncatechars,
    "truncatewords": defaultfilters.truncatewords,
    "upper": defaultfilters.upper,
    "yesno": defaultfilters.yesno,
}

for _name, _function in FILTERS.items():
    register.filter(_name, _function)

register.tag("if", defaulttags.do_if)
register.tag("comment", defaulttags.comment)


class _MeteredBody(Node):
    """One pass through a loop's body, charged to the message's output budget (``sandbox.Budget``).

    Nested loops multiply: five ``{% for c in patient_name %}`` inside each other would run the body
    millions of times while writing nothing, so every pass costs one character more than it writes."""

    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList):
        self.nodelist = nodelist

    def render(self, context) -> str:
        budget = context.budget  # only the message engine renders these, always with a budget
        if budget.exhausted:
            return ""
        output = self.nodelist.render(context)
        return output if budget.spend(1 + len(output)) else ""


@register.tag("for")
def metered_for(parser, token):
    """Django's ``{% for %}``, each pass through its body charged to the output budget."""
    node = defaulttags.do_for(parser, token)
    node.nodelist_loop = NodeList([_MeteredBody(node.nodelist_loop)])
    return node
