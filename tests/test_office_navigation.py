"""The sidebar follows the page: on a clinic's module page, the switcher and the clinic's menu are that
clinic's, whatever was picked in the switcher before."""

from django.urls import reverse


def test_a_module_page_of_another_clinic_shows_that_clinic_in_the_switcher(alpha, login):
    downtown, riverside = alpha.clinics
    owner = login(alpha.owner)
    owner.post(reverse("office:switch_clinic"), {"clinic": downtown.slug})
    stock_here = reverse("office:inventory:stock", kwargs={"clinic_slug": riverside.slug})
    body = owner.get(stock_here).content.decode()
    assert f'<option value="{riverside.slug}" selected>' in body
    assert f'<option value="{downtown.slug}" selected>' not in body
    assert f'href="{stock_here}"' in body  # the clinic's own menu entry is Riverside's
    # Pages that belong to no clinic keep the switcher's choice.
    dashboard = owner.get("/office/").content.decode()
    assert f'<option value="{downtown.slug}" selected>' in dashboard
