"""The stream blocks every portal page body offers: rich text, image, call to action, FAQ, plus the blocks
modules contribute through the ``ehr_portal_blocks`` hook (each renders nothing where its module is off)."""

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


BASE_BLOCKS = {"paragraph", "image", "cta", "faq"}


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
        *module_blocks(),
    ]
