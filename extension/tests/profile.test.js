// Unit tests of the profile reader's pure string helpers (run: node --test extension/tests/).
// readProfile itself needs a DOM: e2e/test_profile_reader.py runs it in Chromium on fixtures.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  canonicalProfileUrl,
  clean,
  parseHeadline,
  parsePageTitle,
  profileSlug,
  splitName,
  toBackendProfile,
} from "../content/profile.js";

test("clean squeezes whitespace and turns blanks into null", () => {
  assert.equal(clean("  Priya \n  Raman "), "Priya Raman");
  assert.equal(clean("   "), null);
  assert.equal(clean(undefined), null);
});

test("profileSlug accepts linkedin.com and country hosts, nothing else", () => {
  const cases = [
    ["https://www.linkedin.com/in/priya-raman/", "priya-raman"],
    ["https://uk.linkedin.com/in/Tomas-Ferreira-4a2b9?trk=x#top", "tomas-ferreira-4a2b9"],
    ["https://linkedin.com/in/j%C3%BCrgen-m%C3%BCller/details/", "jürgen-müller"],
    ["https://www.linkedin.com/feed/", null],
    ["https://www.linkedin.com/company/acme/", null],
    ["https://evil.example/in/priya-raman/", null],
    ["https://notlinkedin.com/in/priya-raman/", null],
    ["not a url", null],
  ];
  for (const [href, slug] of cases) {
    assert.equal(profileSlug(href), slug, href);
  }
});

test("canonicalProfileUrl is the one spelling the backend stores", () => {
  assert.equal(canonicalProfileUrl("priya-raman"), "https://www.linkedin.com/in/priya-raman/");
  assert.equal(canonicalProfileUrl("jürgen"), "https://www.linkedin.com/in/j%C3%BCrgen/");
  assert.equal(canonicalProfileUrl(null), null);
});

test("splitName keeps compound last names and drops credentials", () => {
  assert.deepEqual(splitName("Priya Raman"), { first_name: "Priya", last_name: "Raman" });
  assert.deepEqual(splitName("Ana de la Cruz"), { first_name: "Ana", last_name: "de la Cruz" });
  assert.deepEqual(splitName("Jane Doe, CFA, MBA"), { first_name: "Jane", last_name: "Doe" });
  assert.deepEqual(splitName("Cher"), { first_name: "Cher", last_name: null });
  assert.deepEqual(splitName(""), { first_name: null, last_name: null });
});

test("parseHeadline finds 'title at company' before the first separator", () => {
  assert.deepEqual(parseHeadline("Senior Data Engineer at Brightwater Analytics | Python, Spark"), {
    title: "Senior Data Engineer",
    company: "Brightwater Analytics",
  });
  assert.deepEqual(parseHeadline("CTO @ Kestrel • Speaker"), { title: "CTO", company: "Kestrel" });
  assert.deepEqual(parseHeadline("Financial Controller | ACCA"), { title: null, company: null });
  assert.deepEqual(parseHeadline(null), { title: null, company: null });
});

test("parsePageTitle drops the notification count and the LinkedIn suffix", () => {
  assert.deepEqual(parsePageTitle("(2) Priya Raman | LinkedIn"), {
    name: "Priya Raman",
    company: null,
  });
  assert.deepEqual(parsePageTitle("Tomás Ferreira - Pinnacle Talent Solutions | LinkedIn"), {
    name: "Tomás Ferreira",
    company: "Pinnacle Talent Solutions",
  });
  assert.deepEqual(parsePageTitle("(99+) LinkedIn"), { name: null, company: null });
  assert.deepEqual(parsePageTitle(""), { name: null, company: null });
});

test("toBackendProfile sends the profile fields only, without blanks", () => {
  const profile = {
    profile_url: "https://www.linkedin.com/in/x/",
    slug: "x",
    name: "X Y",
    first_name: "X",
    last_name: "Y",
    headline: null,
    title: null,
    company: "Acme",
    location: null,
    sources: { name: "dom" },
  };
  assert.deepEqual(toBackendProfile(profile), {
    profile_url: "https://www.linkedin.com/in/x/",
    name: "X Y",
    first_name: "X",
    last_name: "Y",
    company: "Acme",
  });
});
