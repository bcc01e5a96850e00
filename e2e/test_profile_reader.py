"""The profile reader (extension/content/profile.js) against every LinkedIn fixture, in Chromium.

The reader is a pure function of a Document: each fixture is parsed with DOMParser on an
extension page and read there, so these tests need no backend and no content script.
"""

from __future__ import annotations

import pytest
from harness import FIXTURES

pytestmark = pytest.mark.e2e

READ = """async ([html, href]) => {
  const reader = await import(chrome.runtime.getURL("extension/content/profile.js"));
  const doc = new DOMParser().parseFromString(html, "text/html");
  return reader.readProfile(doc, href);
}"""

CASES = [
    pytest.param(
        "linkedin-profile-loggedin.html",
        "https://www.linkedin.com/in/priya-raman/",
        {
            "profile_url": "https://www.linkedin.com/in/priya-raman/",
            "slug": "priya-raman",
            "name": "Priya Raman",
            "first_name": "Priya",
            "last_name": "Raman",
            "headline": "Senior Data Engineer at Brightwater Analytics | Python, Spark",
            "title": "Senior Data Engineer",
            "company": "Brightwater Analytics GmbH",
            "location": "London, England, United Kingdom",
        },
        {"name": "dom", "headline": "dom", "title": "dom", "company": "dom", "location": "dom"},
        id="signed-in layout: everything from the DOM",
    ),
    pytest.param(
        "linkedin-profile-public.html",
        "https://uk.linkedin.com/in/tomas-ferreira-4a2b9?trk=public_profile",
        {
            "profile_url": "https://www.linkedin.com/in/tomas-ferreira-4a2b9/",
            "slug": "tomas-ferreira-4a2b9",
            "name": "Tomás Ferreira",
            "first_name": "Tomás",
            "last_name": "Ferreira",
            "headline": "Recruitment Consultant at Pinnacle Talent Solutions",
            "title": "Recruitment Consultant",
            "company": "Pinnacle Talent Solutions Ltd",
            "location": "Leeds, England, United Kingdom",
        },
        {
            "name": "dom",
            "headline": "dom",
            "title": "json-ld",
            "company": "json-ld",
            "location": "json-ld",
        },
        id="public layout: JSON-LD fills what the DOM lacks; country host canonicalised",
    ),
    pytest.param(
        "linkedin-profile-og-only.html",
        "https://www.linkedin.com/in/amara-okafor/",
        {
            "profile_url": "https://www.linkedin.com/in/amara-okafor/",
            "slug": "amara-okafor",
            "name": "Amara Okafor",
            "first_name": "Amara",
            "last_name": "Okafor",
            "headline": "Principal Structural Engineer at Kestrel Engineering Group",
            "title": "Principal Structural Engineer",
            "company": "Kestrel Engineering Group",
            "location": None,
        },
        {"name": "og", "headline": "og", "title": "headline", "company": "og"},
        id="unknown markup: og meta tags",
    ),
    pytest.param(
        "linkedin-profile-title-only.html",
        "https://www.linkedin.com/in/jo-bloggs/",
        {
            "profile_url": "https://www.linkedin.com/in/jo-bloggs/",
            "slug": "jo-bloggs",
            "name": "Jo Bloggs",
            "first_name": "Jo",
            "last_name": "Bloggs",
            "headline": None,
            "title": None,
            "company": None,
            "location": None,
        },
        {"name": "title"},
        id="nothing but the title (notification count dropped)",
    ),
    pytest.param(
        "linkedin-profile-markup-name.html",
        "https://www.linkedin.com/in/eve-markup/",
        {
            "profile_url": "https://www.linkedin.com/in/eve-markup/",
            "slug": "eve-markup",
            "name": "Eve <img src=x onerror=alert(1)> Mallory",
            "first_name": "Eve",
            "last_name": "<img src=x onerror=alert(1)> Mallory",
            "headline": "<script>alert(2)</script> Engineer at <b>Evil</b> Corp",
            "title": "<script>alert(2)</script> Engineer",
            "company": "<b>Evil</b> Corp",
            "location": "<svg onload=alert(3)>",
        },
        {"name": "dom", "headline": "dom", "title": "headline", "company": "og", "location": "dom"},
        id="markup-like text is read as text",
    ),
    pytest.param(
        "linkedin-profile-dan-fowler.html",
        "https://www.linkedin.com/in/dan-fowler-1/",
        {
            "profile_url": "https://www.linkedin.com/in/dan-fowler-1/",
            "slug": "dan-fowler-1",
            "name": "Dan Fowler",
            "first_name": "Dan",
            "last_name": "Fowler",
            "headline": "Site Manager at Smith & Sons",
            "title": "Site Manager",
            "company": "Smith & Sons",
            "location": "Bristol, England, United Kingdom",
        },
        {"name": "dom", "headline": "dom", "title": "dom", "company": "dom", "location": "dom"},
        id="experience card: screen-reader duplicate ignored",
    ),
]


@pytest.mark.parametrize("fixture, href, expected, sources", CASES)
def test_reader_reads_each_fixture(extension, fixture, href, expected, sources):
    html = (FIXTURES / fixture).read_text(encoding="utf-8")

    profile = extension.probe.evaluate(READ, [html, href])

    assert profile.pop("sources") == sources
    assert profile == expected


def test_a_broken_json_ld_block_does_not_hide_a_good_one(extension):
    html = """<html><head><title>LinkedIn</title>
      <script type="application/ld+json">{not json</script>
      <script type="application/ld+json">{"@graph": [{"@type": "WebPage"},
        {"@type": ["Person"], "name": "Ngozi Adeyemi", "jobTitle": "CFO",
         "worksFor": "Hays plc", "address": "Leeds"}]}</script></head><body></body></html>"""

    profile = extension.probe.evaluate(READ, [html, "https://www.linkedin.com/in/ngozi-a/"])

    assert profile["name"] == "Ngozi Adeyemi"
    assert profile["title"] == "CFO"
    assert profile["company"] == "Hays plc"
    assert profile["location"] == "Leeds"
    assert profile["sources"]["name"] == "json-ld"


def test_a_page_that_is_no_profile_has_no_slug(extension):
    html = "<html><head><title>Feed | LinkedIn</title></head><body></body></html>"

    profile = extension.probe.evaluate(READ, [html, "https://www.linkedin.com/feed/"])

    assert profile["slug"] is None
    assert profile["profile_url"] is None


def test_meta_data_about_another_person_is_ignored(extension):
    # After a single-page navigation LinkedIn's <head> may still describe the last profile.
    html = """<html><head><title>Tomás Ferreira | LinkedIn</title>
      <meta property="og:title" content="Priya Raman - Brightwater Analytics | LinkedIn">
      <script type="application/ld+json">{"@type": "Person", "name": "Priya Raman",
        "worksFor": {"name": "Brightwater Analytics"}, "address": "London"}</script>
      </head><body><main><section class="top-card-layout">
      <h1 class="top-card-layout__title">Tomás Ferreira</h1></section></main></body></html>"""

    profile = extension.probe.evaluate(READ, [html, "https://www.linkedin.com/in/tomas-f/"])

    assert profile["name"] == "Tomás Ferreira"
    assert profile["company"] is None
    assert profile["location"] is None
