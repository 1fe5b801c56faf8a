from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Email and password; the email is matched case-insensitively by ``UserManager.get_by_natural_key``.

    Object permissions (the clinic's rules) come from ``rules``; this backend only answers Django's own
    model permissions, which the Wagtail editor uses.
    """
