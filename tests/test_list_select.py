"""``core.forms.ListSelect`` writes a long select's options in one pass; it must escape what Django's own
select escapes, keep what is already marked safe, and mark the chosen option."""

from __future__ import annotations

from django import forms
from django.utils.safestring import mark_safe

from core.forms import ListSelect


class Pick(forms.Form):
    who = forms.ChoiceField(
        choices=[("", "Anyone"), ("1", '<b>Dr "Ann"</b> & Co'), ("2", mark_safe("<em>kept</em>"))],
        widget=ListSelect(attrs={"class": "input"}),
        required=False,
    )


def test_labels_and_values_are_escaped_and_the_choice_is_selected():
    html = str(Pick(data={"who": "1"})["who"])
    assert html.startswith('<select name="who" class="input" id="id_who">')
    assert '<option value="1" selected>&lt;b&gt;Dr &quot;Ann&quot;&lt;/b&gt; &amp; Co</option>' in html
    assert '<option value="2"><em>kept</em></option>' in html
    assert html.count(" selected") == 1
