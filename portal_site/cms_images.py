"""The CMS's image upload form (single and multiple upload): an image Pillow cannot read to its end is a
form error, before Wagtail counts its frames and pixels (which would fail with a 500)."""

from __future__ import annotations

import warnings

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

UNREADABLE = _(
    "This image cannot be read: it may be cut short or damaged. Save it again and upload the copy."
)


def check_readable(upload) -> None:
    """Raise ``ValidationError`` unless ``upload`` is an image Pillow can check and decode completely."""
    try:
        with warnings.catch_warnings():
            # A decompression bomb is as unreadable as a damaged file here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as image:
                image.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
    except Exception as error:  # Pillow raises many kinds (OSError, SyntaxError, struct.error, ...).
        raise ValidationError(UNREADABLE, code="unreadable_image") from error
    finally:
        upload.seek(0)


class CheckedImageField(WagtailImageField):
    def to_python(self, data):
        # Vector images are not Pillow's to read; Wagtail checks them itself.
        if data and hasattr(data, "seek") and not str(getattr(data, "name", "")).lower().endswith(".svg"):
            check_readable(data)
        return super().to_python(data)


class CheckedImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Wagtail builds the file field itself (its form factory names the field class), so the check is
        # added to the field it built: the subclass only reads the upload first.
        if isinstance(self.fields.get("file"), WagtailImageField):
            self.fields["file"].__class__ = CheckedImageField
