// Words the panel shows for the backend's values. Pure: every function maps data to text.

export const SYNC_AS_LABELS = { applicant: "Applicant", contact: "Contact" };

const SOURCE_LABELS = {
  contact: "your override for this person",
  campaign: "campaign default",
  user: "your default",
  team: "team default",
  draft: "your choice, saved when you add them",
};

const MATCHED_BY = {
  email: "same email address",
  linkedin: "same LinkedIn profile",
  user: "linked by a recruiter",
  created: "created by itris-sync",
  link: "linked earlier",
  stored: "linked earlier",
};

const FIELD_LABELS = {
  firstName: "First name",
  lastName: "Last name",
  emailAddress: "Email",
  phoneNumber: "Phone",
  mobileNumber: "Mobile",
  jobTitle: "Job title",
  currentEmployer: "Current employer",
  location: "Location",
  webAddress: "LinkedIn URL",
  headline: "Headline",
  postalCode: "Postcode",
  address: "Address",
};

const COMPANY_FACTS = {
  status: (value) => String(value),
  owner: (value) => `owner #${value}`,
  contact_count: (value) => `${value} contact${Number(value) === 1 ? "" : "s"}`,
  location: (value) => String(value),
  website: (value) => String(value).replace(/^https?:\/\/(www\.)?/, ""),
  last_updated: (value) => `updated ${String(value).slice(0, 10)}`,
};

/** "Applicant" / "Contact" (or the raw value for anything newer). */
export function syncAsLabel(syncAs) {
  return SYNC_AS_LABELS[syncAs] ?? String(syncAs ?? "");
}

/** Where the "sync as" value comes from, in words. */
export function sourceLabel(source) {
  return SOURCE_LABELS[source] ?? String(source ?? "");
}

/** Why we think a record is this person. */
export function matchedByLabel(matchedBy) {
  return MATCHED_BY[matchedBy] ?? String(matchedBy ?? "an earlier link");
}

/** A readable label for an itris field name ("jobTitle" → "Job title"). */
export function fieldLabel(name) {
  if (FIELD_LABELS[name]) {
    return FIELD_LABELS[name];
  }
  const words = String(name)
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The itris company facts the admin chose to show, as short strings. */
export function companyFacts(info) {
  return Object.entries(COMPANY_FACTS)
    .filter(([key]) => info?.[key] !== undefined && info[key] !== null && info[key] !== "")
    .map(([key, format]) => format(info[key]));
}

/** One line for a push: what the recruiter needs to know about its state. */
export function pushStatusText(push) {
  if (!push || !push.status) {
    return { tone: "idle", text: "Not pushed to itris yet" };
  }
  const result = push.result ?? {};
  switch (push.status) {
    case "queued":
      return {
        tone: "busy",
        text: push.last_error
          ? `Queued, retrying: ${push.last_error}`
          : "Queued, waiting to push to itris…",
      };
    case "running":
      return { tone: "busy", text: "Pushing to itris…" };
    case "succeeded": {
      const what = result.record_id
        ? ` as ${syncAsLabel(push.sync_as)} #${result.record_id}`
        : "";
      const how = result.created ? " (new record)" : "";
      return { tone: "ok", text: `Pushed to itris${what}${how}` };
    }
    case "failed":
      return { tone: "bad", text: `Push failed: ${push.last_error || "no reason given"}` };
    case "needs_review":
      return {
        tone: "warn",
        text:
          push.review?.kind === "company" || result.review?.kind === "company"
            ? "Waiting for you: pick the itris company below"
            : "Waiting for you: is this person one of the possible matches below?",
      };
    case "skipped":
      return {
        tone: "warn",
        text: `Not pushed: ${push.skipped_rule || push.last_error || "skipped by a rule"}`,
      };
    default:
      return { tone: "idle", text: `Push ${push.status}` };
  }
}

/** Statuses a push can still leave on its own (the panel keeps polling them). */
export function isPending(status) {
  return status === "queued" || status === "running";
}
