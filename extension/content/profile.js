// Read the person a LinkedIn profile page shows. Pure functions of a Document and a URL:
// no globals, no network, nothing written to the page.
//
// LinkedIn changes its markup often, so every value has fallbacks, tried in order:
//   the profile's DOM → JSON-LD (`Person`) → `og:` meta → the document title.
// A markup change then degrades what we read (fewer fields) rather than breaking it.

const PROFILE_PATH = /^\/in\/([^/?#]+)\/?/;
const NOTIFICATION_COUNT = /^\(\d+\+?\)\s*/; // "(2) Priya Raman | LinkedIn"
const LINKEDIN_SUFFIX = /\s*[|–—-]\s*LinkedIn\s*$/i;
const HEADLINE_AT = /^(.+?)\s+(?:at|@)\s+(.+)$/i;

// Where each value sits in the DOM, for the signed-in and the public (signed-out) layouts.
const SELECTORS = {
  name: [
    ".pv-top-card h1",
    "h1.text-heading-xlarge",
    ".top-card-layout__title",
    "main section h1",
  ],
  headline: [
    ".pv-top-card .text-body-medium",
    ".top-card-layout__headline",
    "[data-generated-suggestion-target] .text-body-medium",
  ],
  location: [
    ".pv-top-card .pv-text-details__left-panel .text-body-small",
    ".pv-top-card .text-body-small.inline.t-black--light",
    ".top-card-layout__first-subline .top-card__subline-item",
    ".top-card__subline-item",
  ],
  currentCompany: [
    ".pv-top-card button[aria-label^='Current company']",
    ".pv-top-card--experience-list button",
    ".top-card-layout [data-section='currentPositionsDetails'] .top-card-link__description",
  ],
};

/** Squeeze whitespace; an empty result becomes null. */
export function clean(text) {
  if (typeof text !== "string") {
    return null;
  }
  const squeezed = text.replace(/\s+/g, " ").trim();
  return squeezed || null;
}

/** The profile slug of a LinkedIn URL (`/in/<slug>/` on linkedin.com or a country host). */
export function profileSlug(href) {
  let url;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase();
  if (host !== "linkedin.com" && !host.endsWith(".linkedin.com")) {
    return null;
  }
  const match = PROFILE_PATH.exec(url.pathname);
  if (!match) {
    return null;
  }
  let slug = match[1];
  try {
    slug = decodeURIComponent(slug);
  } catch {
    // a malformed escape: keep the slug as it was written
  }
  return clean(slug)?.toLowerCase() ?? null;
}

/** The one spelling of a profile URL the backend stores: https://www.linkedin.com/in/<slug>/ */
export function canonicalProfileUrl(slug) {
  return slug ? `https://www.linkedin.com/in/${encodeURIComponent(slug)}/` : null;
}

/** Split a display name into first and last name; credentials after a comma are dropped. */
export function splitName(name) {
  const text = clean(String(name ?? "").split(",")[0]);
  if (!text) {
    return { first_name: null, last_name: null };
  }
  const [first, ...rest] = text.split(" ");
  return { first_name: first, last_name: clean(rest.join(" ")) };
}

/** "Senior Engineer at Acme | Python" → {title: "Senior Engineer", company: "Acme"}. */
export function parseHeadline(headline) {
  const first = clean(String(headline ?? "").split(/\s[|•·]\s/)[0]);
  const match = first ? HEADLINE_AT.exec(first) : null;
  if (!match) {
    return { title: null, company: null };
  }
  return { title: clean(match[1]), company: clean(match[2]) };
}

/** "(2) Name - Company | LinkedIn" → {name: "Name", company: "Company"}. */
export function parsePageTitle(title) {
  let text = clean(title);
  if (!text) {
    return { name: null, company: null };
  }
  text = text.replace(NOTIFICATION_COUNT, "").replace(LINKEDIN_SUFFIX, "");
  const [name, ...rest] = text.split(/\s+[-–—|]\s+/);
  const cleanName = clean(name);
  if (!cleanName || /^linkedin$/i.test(cleanName)) {
    return { name: null, company: null };
  }
  return { name: cleanName, company: clean(rest.join(" - ")) };
}

/** The text of an element, preferring LinkedIn's visible copy over screen-reader duplicates. */
function textOf(element) {
  if (!element) {
    return null;
  }
  const visible = element.querySelector(":scope > span[aria-hidden='true']");
  return clean((visible ?? element).textContent);
}

function firstText(doc, selectors) {
  for (const selector of selectors) {
    const text = textOf(doc.querySelector(selector));
    if (text) {
      return text;
    }
  }
  return null;
}

function currentCompanyFromTopCard(doc) {
  for (const selector of SELECTORS.currentCompany) {
    const element = doc.querySelector(selector);
    if (!element) {
      continue;
    }
    const label = element.getAttribute("aria-label") ?? "";
    const fromLabel = /^Current company:\s*(.+?)\.\s*(?:Click|$)/i.exec(label);
    const text = fromLabel ? clean(fromLabel[1]) : textOf(element);
    if (text) {
      return text;
    }
  }
  return null;
}

/** The newest Experience entry: {title, company}, read from the Experience card. */
function latestExperience(doc) {
  const anchor = doc.getElementById("experience");
  const section = anchor?.closest("section");
  const item = section?.querySelector("li");
  if (!item) {
    return { title: null, company: null };
  }
  const title = textOf(item.querySelector(".t-bold span[aria-hidden='true'], .t-bold"));
  const companyLine = textOf(item.querySelector(".t-normal span[aria-hidden='true'], .t-normal"));
  const company = clean(companyLine?.split(" · ")[0] ?? null);
  return { title, company };
}

function* jsonLdNodes(value) {
  if (Array.isArray(value)) {
    for (const item of value) {
      yield* jsonLdNodes(item);
    }
  } else if (value && typeof value === "object") {
    yield value;
    if (value["@graph"]) {
      yield* jsonLdNodes(value["@graph"]);
    }
  }
}

function isPerson(node) {
  const type = node["@type"];
  return type === "Person" || (Array.isArray(type) && type.includes("Person"));
}

/** The first schema.org Person in the page's JSON-LD, or null. */
function jsonLdPerson(doc) {
  for (const script of doc.querySelectorAll("script[type='application/ld+json']")) {
    let data;
    try {
      data = JSON.parse(script.textContent);
    } catch {
      continue; // one broken block must not hide the others
    }
    for (const node of jsonLdNodes(data)) {
      if (isPerson(node)) {
        return node;
      }
    }
  }
  return null;
}

function firstOf(value) {
  return Array.isArray(value) ? value[0] : value;
}

/** True unless both names are known and differ (case and accents ignored). */
function samePerson(a, b) {
  const fold = (text) =>
    text
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .toLowerCase();
  return !a || !b || fold(a) === fold(b);
}

function personFacts(person) {
  if (!person) {
    return {};
  }
  const employer = firstOf(person.worksFor);
  const address = firstOf(person.address);
  const stringOrName = (item) => (typeof item === "string" ? item : item?.name);
  return {
    url: clean(firstOf(person.url) ?? null),
    name: clean(stringOrName(person)),
    title: clean(firstOf(person.jobTitle)),
    company: clean(stringOrName(employer)),
    location: clean(
      typeof address === "string"
        ? address
        : (address?.addressLocality ?? address?.addressRegion ?? null),
    ),
    headline: clean(person.description ?? null),
  };
}

function meta(doc, property) {
  const element = doc.querySelector(`meta[property='${property}'], meta[name='${property}']`);
  return clean(element?.getAttribute("content") ?? null);
}

/** Pick the first value found, and remember which source gave it. */
function pick(candidates) {
  for (const [source, value] of candidates) {
    if (value) {
      return [value, source];
    }
  }
  return [null, null];
}

/**
 * Read a profile page. `href` is the page's URL (the slug comes from it; `og:url` and
 * JSON-LD `url` stand in when it is not a profile URL). Returns
 * `{profile_url, slug, name, first_name, last_name, headline, title, company, location,
 * sources}` where `sources` names where each value was found (dom | json-ld | og | title).
 */
export function readProfile(doc, href) {
  const domName = firstText(doc, SELECTORS.name);
  const pageSlug = profileSlug(href);
  // After a single-page navigation the <head> can still describe the previous profile:
  // meta data naming another person (or another profile URL) is left out.
  const about = (facts, url) =>
    (!url || !pageSlug || profileSlug(url) === pageSlug) && samePerson(facts.name, domName)
      ? facts
      : {};
  const ld = personFacts(jsonLdPerson(doc));
  const person = about(ld, ld.url);
  const ogUrl = meta(doc, "og:url");
  const og = about(parsePageTitle(meta(doc, "og:title")), ogUrl);
  const ogDescription = Object.keys(og).length ? meta(doc, "og:description") : null;
  const titled = about(parsePageTitle(doc.title), null);
  const headlineDom = firstText(doc, SELECTORS.headline);
  const experience = latestExperience(doc);
  const sources = {};
  const take = (field, candidates) => {
    const [value, source] = pick(candidates);
    if (source) {
      sources[field] = source;
    }
    return value;
  };

  const slug = pageSlug ?? profileSlug(ogUrl) ?? profileSlug(person.url);
  const name = take("name", [
    ["dom", domName],
    ["json-ld", person.name],
    ["og", og.name],
    ["title", titled.name],
  ]);
  const headline = take("headline", [
    ["dom", headlineDom],
    ["json-ld", person.headline],
    ["og", ogDescription],
  ]);
  const fromHeadline = parseHeadline(headline);
  const title = take("title", [
    ["dom", experience.title],
    ["json-ld", person.title],
    ["headline", fromHeadline.title],
  ]);
  const company = take("company", [
    ["dom", currentCompanyFromTopCard(doc) ?? experience.company],
    ["json-ld", person.company],
    ["og", og.company],
    ["title", titled.company],
    ["headline", fromHeadline.company],
  ]);
  const location = take("location", [
    ["dom", firstText(doc, SELECTORS.location)],
    ["json-ld", person.location],
  ]);

  return {
    profile_url: canonicalProfileUrl(slug),
    slug,
    name,
    ...splitName(name),
    headline,
    title,
    company,
    location,
    sources,
  };
}

/** True when the page shows the profile's own markup (not only meta and title fallbacks). */
export function hasProfileMarkup(profile) {
  return profile.sources.name === "dom" || profile.sources.name === "json-ld";
}

/** The profile as the backend's ProfileSchema takes it (no bookkeeping keys). */
export function toBackendProfile(profile) {
  const { sources: _sources, slug: _slug, ...fields } = profile;
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value != null));
}
