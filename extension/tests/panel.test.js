// Unit tests of the panel's pure parts: labels, the field preview, draft validation.

import assert from "node:assert/strict";
import { test } from "node:test";

import { cleanDraft } from "../background/prefs.js";
import {
  companyFacts,
  fieldLabel,
  isPending,
  matchedByLabel,
  pushStatusText,
  sourceLabel,
} from "../content/panel/labels.js";
import { previewFields } from "../content/panel/preview.js";

test("every source of 'sync as' has words", () => {
  assert.equal(sourceLabel("campaign"), "campaign default");
  assert.equal(sourceLabel("contact"), "your override for this person");
  assert.equal(sourceLabel("user"), "your default");
  assert.equal(sourceLabel("team"), "team default");
  assert.match(sourceLabel("draft"), /saved when you add them/);
});

test("why a record matched, in words", () => {
  assert.equal(matchedByLabel("email"), "same email address");
  assert.equal(matchedByLabel("linkedin"), "same LinkedIn profile");
  assert.equal(matchedByLabel("something-new"), "something-new");
});

test("field labels: known ones, then camelCase split", () => {
  assert.equal(fieldLabel("emailAddress"), "Email");
  assert.equal(fieldLabel("webAddress"), "LinkedIn URL");
  assert.equal(fieldLabel("currentSalaryBand"), "Current salary band");
});

test("company facts in the admin's order, blanks left out", () => {
  const info = { status: "Client", owner: 3, contact_count: 1, location: "Leeds", website: null };
  assert.deepEqual(companyFacts(info), ["Client", "owner #3", "1 contact", "Leeds"]);
  assert.deepEqual(companyFacts({ website: "https://www.hays.co.uk" }), ["hays.co.uk"]);
  assert.deepEqual(companyFacts(null), []);
});

test("push status lines name the record, the reason or the rule", () => {
  assert.equal(pushStatusText(null).text, "Not pushed to itris yet");
  assert.equal(pushStatusText({ status: "queued" }).tone, "busy");
  assert.match(pushStatusText({ status: "queued", last_error: "503" }).text, /retrying: 503/);
  assert.equal(
    pushStatusText({
      status: "succeeded",
      sync_as: "applicant",
      result: { record_id: 10041, created: true },
    }).text,
    "Pushed to itris as Applicant #10041 (new record)",
  );
  const failed = pushStatusText({ status: "failed", last_error: "itris answered 503" });
  assert.deepEqual(failed, { tone: "bad", text: "Push failed: itris answered 503" });
  const review = pushStatusText({ status: "needs_review", review: { kind: "company" } });
  assert.match(review.text, /company/);
  const skipped = pushStatusText({ status: "skipped", skipped_rule: "never" });
  assert.match(skipped.text, /Not pushed: never/);
  assert.ok(isPending("running") && isPending("queued") && !isPending("failed"));
});

test("previewFields maps profile values through the field mapping", () => {
  const section = {
    displayed_fields: ["firstName", "lastName", "location", "emailAddress"],
    mandatory_fields: ["firstName", "lastName", "location"],
    field_mapping: {
      firstName: "first_name",
      lastName: "last_name",
      location: "location",
      emailAddress: "email",
      webAddress: "linkedin_url",
    },
  };
  const profile = {
    first_name: "Dan",
    last_name: "Fowler",
    location: " Bristol ",
    profile_url: "https://www.linkedin.com/in/dan/",
  };
  assert.deepEqual(previewFields(section, profile), {
    displayed: ["firstName", "lastName", "location", "emailAddress"],
    mandatory: ["firstName", "lastName", "location"],
    values: {
      firstName: "Dan",
      lastName: "Fowler",
      location: "Bristol",
      webAddress: "https://www.linkedin.com/in/dan/",
    },
  });
});

test("drafts keep known keys only and refuse malformed ones", () => {
  assert.deepEqual(cleanDraft({ sync_as: "contact", tags: ["A"], fields: { x: "1" }, evil: 1 }), {
    sync_as: "contact",
    tags: ["A"],
    fields: { x: "1" },
  });
  assert.equal(cleanDraft({ sync_as: "candidate" }), null);
  assert.equal(cleanDraft({ tags: "A" }), null);
  assert.equal(cleanDraft({ fields: { x: 1 } }), null);
  assert.equal(cleanDraft([]), null);
  assert.deepEqual(cleanDraft({}), {});
});
