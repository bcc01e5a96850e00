// What the itris fields would hold for a person not yet added, under a "sync as" the backend's
// lookup did not compute (the recruiter switched it before adding them). Mirrors the
// backend's field mapping: itris field → one of our variables → the profile's value.

/** Our variables (first_name, company, linkedin_url, …) for a profile read from the page. */
export function variablesOf(profile) {
  const fullName = [profile.first_name, profile.last_name].filter(Boolean).join(" ") || null;
  return {
    first_name: profile.first_name ?? null,
    last_name: profile.last_name ?? null,
    full_name: fullName,
    email: profile.email ?? null,
    phone: profile.phone ?? null,
    title: profile.title ?? null,
    company: profile.company ?? null,
    location: profile.location ?? null,
    linkedin_url: profile.profile_url ?? null,
    headline: profile.headline ?? null,
  };
}

/** `{displayed, mandatory, values}` for one settings section and a profile. */
export function previewFields(section, profile) {
  const variables = variablesOf(profile);
  const values = {};
  for (const [field, variable] of Object.entries(section?.field_mapping ?? {})) {
    const value = variables[variable];
    if (typeof value === "string" && value.trim()) {
      values[field] = value.trim();
    }
  }
  return {
    displayed: [...(section?.displayed_fields ?? [])],
    mandatory: [...(section?.mandatory_fields ?? [])],
    values,
  };
}
