"""The stream blocks every portal page body offers: rich text, image, call to action, FAQ, the clinic's team
and its contact details, plus the blocks modules contribute through the ``ehr_portal_blocks`` hook (each
renders nothing where its module is off).

The team and contact blocks show the clinic's own data (its practitioners' public profiles, its address),
read when the page renders: an editor places and titles them, the office keeps them current."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), max_length=120)
    text = blocks.TextBlock(label=_("text"), required=False, max_length=500)
    link_label = blocks.CharBlock(label=_("button label"), max_length=60)
    link_url = blocks.CharBlock(
        label=_("button link"), max_length=300, help_text=_("A page address such as booking/ or https://…")
    )

    class Meta:
        icon = "pick"
        label = _("Call to action")
        template = "portal/blocks/cta.html"


class FaqItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("question"), max_length=200)
    answer = blocks.RichTextBlock(label=_("answer"), features=["bold", "italic", "link", "ul", "ol"])


class FaqBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), max_length=120, required=False)
    items = blocks.ListBlock(FaqItemBlock(), label=_("questions"))

    class Meta:
        icon = "help"
        label = _("Questions and answers")
        template = "portal/blocks/faq.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt_text = blocks.CharBlock(
        label=_("alternative text"), max_length=200, help_text=_("Describe the image for screen readers.")
    )
    caption = blocks.CharBlock(label=_("caption"), max_length=200, required=False)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "portal/blocks/image.html"


def _clinic(parent_context):
    return (parent_context or {}).get("clinic")


class TeamBlock(blocks.StructBlock):
    """The clinic's practitioners with photo, title and specialty, each with the links modules on at the
    clinic offer for them ("Book with Dr. Adams", through ``clinic_portal_practitioner_links``)."""

    heading = blocks.CharBlock(label=_("heading"), max_length=120, default=_("Our team"))
    intro = blocks.TextBlock(label=_("introduction"), required=False, max_length=500)

    class Meta:
        icon = "group"
        label = _("Team")
        template = "portal/blocks/team.html"
        preview_value = {"heading": _("Our team"), "intro": ""}

    def get_context(self, value, parent_context=None):
        from .home import team_cards

        context = super().get_context(value, parent_context)
        clinic = _clinic(parent_context)
        context["team"] = team_cards((parent_context or {}).get("request"), clinic) if clinic else []
        return context


class ContactBlock(blocks.StructBlock):
    """The clinic's address with a link to the map, its phone and email, from the clinic's details."""

    heading = blocks.CharBlock(label=_("heading"), max_length=120, default=_("Find us"))
    show_map_link = blocks.BooleanBlock(label=_("show a link to the map"), required=False, default=True)

    class Meta:
        icon = "site"
        label = _("Address and contact")
        template = "portal/blocks/contact.html"
        preview_value = {"heading": _("Find us"), "show_map_link": True}

    def get_context(self, value, parent_context=None):
        from .home import clinic_contact

        context = super().get_context(value, parent_context)
        clinic = _clinic(parent_context)
        if clinic is not None:
            context["contact"] = clinic_contact(clinic)
        return context


BASE_BLOCKS = {"paragraph", "image", "cta", "faq", "team", "contact"}


_CONTRIBUTED: dict[tuple, list[tuple[str, str, blocks.Block]]] = {}


def contributed_blocks() -> list[tuple[str, str, blocks.Block]]:
    """``(module slug, block name, block)`` for every block a module offers through ``ehr_portal_blocks``.

    Asked once per set of installed modules (every page render needs the list to hide blocks of modules
    that are off; blocks are stateless, so the same instances serve every render)."""
    from core.plugins.manager import registry

    impls = registry().pm.hook.ehr_portal_blocks.get_hookimpls()
    key = tuple((impl.plugin_name, id(impl.function)) for impl in impls)
    if key in _CONTRIBUTED:
        return _CONTRIBUTED[key]
    found: list[tuple[str, str, blocks.Block]] = []
    seen = set(BASE_BLOCKS)
    for impl in impls:
        for name, block in impl.function() or []:
            if name in seen:
                continue
            seen.add(name)
            found.append((impl.plugin_name, name, block))
    _CONTRIBUTED[key] = sorted(found, key=lambda item: item[1])
    return _CONTRIBUTED[key]


def module_blocks() -> list[tuple[str, blocks.Block]]:
    """Blocks contributed by modules (global: block lists end up in migrations)."""
    return [(name, block) for _module, name, block in contributed_blocks()]


def hidden_block_names(clinic) -> frozenset[str]:
    """Contributed blocks whose module is off for ``clinic``: pages render nothing for them."""
    from core.tenancy.modules import enabled_modules

    enabled = enabled_modules(clinic)
    return frozenset(name for module, name, _block in contributed_blocks() if module not in enabled)


def body_blocks() -> list[tuple[str, blocks.Block]]:
    return [
        (
            "paragraph",
            blocks.RichTextBlock(
                label=_("Text"), features=["h2", "h3", "bold", "italic", "link", "ul", "ol"]
            ),
        ),
        ("image", ImageBlock()),
        ("cta", CallToActionBlock()),
        ("faq", FaqBlock()),
        ("team", TeamBlock()),
        ("contact", ContactBlock()),
        *module_blocks(),
    ]
