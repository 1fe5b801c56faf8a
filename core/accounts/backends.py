from django.contrib.auth.backends import ModelBackend

from core.tenancy.context import user_with_memberships

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

    def get_user(self, user_id):
        """The signed-in user of a session, with their memberships read in the same query
        (``core.tenancy.context.user_with_memberships``); None when missing or inactive, as Django's."""
        user = user_with_memberships(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
