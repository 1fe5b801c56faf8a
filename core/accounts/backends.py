from django.contrib.auth.backends import ModelBackend

from .usernames import login_key


class EmailBackend(ModelBackend):
    """Email and password; the email is matched case-insensitively by ``UserManager.get_by_natural_key``.

    Object permissions (the clinic's rules) come from ``rules``; this backend only answers Django's own
    model permissions, which the Wagtail editor uses.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        # The same key django-axes counts failures against (core.accounts.usernames).
        if username is None:
            username = kwargs.get(self.get_user_model().USERNAME_FIELD)
        return super().authenticate(request, username=login_key(username), password=password)
