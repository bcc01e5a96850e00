// The panel's DOM: built once in an open shadow root, then updated from the controller's
// state by `render(state)`. Every test id of DESIGN §4 lives here. Text is only ever set
// through text nodes (see dom.js), never parsed as HTML.

import { h, replaceChildren, setText } from "./dom.js";
import {
  companyFacts,
  fieldLabel,
  matchedByLabel,
  pushStatusText,
  sourceLabel,
  SYNC_AS_LABELS,
  syncAsLabel,
} from "./labels.js";
import { PANEL_CSS } from "./styles.js";

export const HOST_ID = "itris-sync-root";

function applyStyles(shadow) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(PANEL_CSS);
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    shadow.append(h("style", {}, PANEL_CSS));
  }
}

/** Possible matches from a lookup or a push waiting for review, in one shape. */
export function possibleMatches(state) {
  const review = state.push?.status === "needs_review" ? state.push.review : null;
  if (review?.kind === "person") {
    const type = state.push.sync_as ?? state.syncAs.value;
    return (review.possible ?? []).map((record) => ({
      type,
      id: record.id,
      name: [record.firstName, record.lastName].filter(Boolean).join(" "),
      company: record.company,
    }));
  }
  return state.lookup?.itris?.possible ?? [];
}

/** Company candidates to pick from: the lookup's warnings, or a push waiting for a pick. */
export function companyCandidates(state) {
  const review = state.push?.status === "needs_review" ? state.push.review : null;
  const warnings = state.lookup?.company?.warnings ?? [];
  if (review?.kind !== "company") {
    return warnings;
  }
  const details = new Map(warnings.map((w) => [w.itris_id, w.detail]));
  return (review.candidates ?? []).map((c) => ({
    ...c,
    detail: c.detail ?? details.get(c.itris_id) ?? null,
  }));
}

export class PanelView {
  constructor(actions) {
    this.actions = actions;
    this.fieldsKey = null;
    this.host = h("div", { id: HOST_ID });
    this.shadow = this.host.attachShadow({ mode: "open" });
    applyStyles(this.shadow);
    this.build();
    this.shadow.append(this.panel);
  }

  /** Put the panel on the page (again, if the page replaced the body). */
  mount(doc) {
    if (!this.host.isConnected) {
      (doc.body ?? doc.documentElement).append(this.host);
    }
  }

  unmount() {
    this.host.remove();
  }

  build() {
    const a = this.actions;
    this.who = h("span", { class: "who" });
    this.collapse = h(
      "button",
      { class: "icon", type: "button", "aria-label": "Minimise itris-sync", title: "Minimise" },
      "–",
    );
    this.collapse.addEventListener("click", () => a.toggleCollapsed());
    this.headerName = h("span", { class: "header-name" });
    const header = h(
      "header",
      {},
      h("span", { class: "brand" }, "itris", h("span", {}, "-sync")),
      this.headerName,
      this.collapse,
    );

    this.signedOut = h(
      "div",
      { class: "signed-out" },
      h("p", { class: "muted" }, "Sign in from the itris-sync options page"),
      h(
        "button",
        { class: "button small", type: "button", on: { click: () => a.openOptions() } },
        "Open options",
      ),
    );

    this.name = h("h2");
    this.subtitle = h("p");
    this.person = h("section", { class: "person" }, this.name, this.subtitle);

    this.recordText = h("span");
    const dot = h("span", { class: "dot" });
    this.recordLine = h("p", { class: "record-line" }, dot, this.recordText);
    this.recordChoices = h("ul", { class: "choices" });
    this.recordAlso = h("p", { class: "muted" });
    this.record = h(
      "div",
      { class: "record", "data-testid": "itris-record", role: "status" },
      this.recordLine,
      this.recordChoices,
      this.recordAlso,
    );

    this.offLimits = h(
      "p",
      { class: "banner off-limits", "data-testid": "off-limits", role: "alert", hidden: true },
      "Off-limits in itris: do not approach this person.",
    );
    this.optOut = h(
      "p",
      { class: "banner opt-out", hidden: true },
      "Opted out of email in itris.",
    );

    this.campaignSelect = h("select", {
      id: "campaign",
      "data-testid": "campaign-select",
      on: { change: (event) => a.chooseCampaign(Number(event.target.value)) },
    });
    const campaignRow = h(
      "div",
      { class: "row" },
      h("label", { for: "campaign" }, "Campaign"),
      this.campaignSelect,
    );

    this.syncAs = h(
      "select",
      {
        id: "sync-as",
        "data-testid": "sync-as",
        on: { change: (event) => a.changeSyncAs(event.target.value) },
      },
      Object.entries(SYNC_AS_LABELS).map(([value, label]) => h("option", { value }, label)),
    );
    this.optionsToggle = h(
      "button",
      {
        class: "arrow",
        type: "button",
        "data-testid": "sync-options-toggle",
        "aria-expanded": "false",
        "aria-controls": "sync-options",
        "aria-label": "Sync options",
        title: "Sync options: tags and fields",
        on: { click: () => a.toggleOptions() },
      },
      "▶",
    );
    const syncRow = h(
      "div",
      { class: "row" },
      h("label", { for: "sync-as" }, "Sync as"),
      this.syncAs,
      this.optionsToggle,
    );
    this.source = h("span", { "data-testid": "sync-as-source" });
    this.saveState = h("span", { class: "save-state", "data-testid": "save-state" });
    this.sourceRow = h(
      "p",
      { class: "source", "aria-live": "polite" },
      this.source,
      this.saveState,
    );

    this.tags = h("div", { class: "tags" });
    this.tagInput = h("input", {
      type: "text",
      "data-testid": "tag-input",
      placeholder: "Add a tag, press Enter",
      "aria-label": "Add a tag",
      maxlength: "100",
      on: {
        keydown: (event) => {
          if (event.key === "Enter") {
            event.preventDefault();
            const text = event.target.value;
            event.target.value = "";
            a.addTag(text);
          }
        },
      },
    });
    this.fields = h("div", { class: "fields" });
    this.options = h(
      "div",
      { class: "options", id: "sync-options", hidden: true },
      h("h3", {}, "Tags"),
      this.tags,
      this.tagInput,
      h("h3", {}, "itris fields"),
      this.fields,
    );

    this.companyInfo = h("p", { "data-testid": "company-info", hidden: true });
    this.companyWarningText = h("p");
    this.companyCandidates = h("div", { class: "choices" });
    this.companyWarning = h(
      "div",
      { class: "warning", "data-testid": "company-warning", hidden: true },
      this.companyWarningText,
      this.companyCandidates,
    );
    this.company = h("section", { class: "company" }, this.companyInfo, this.companyWarning);

    this.addButton = h(
      "button",
      {
        class: "button",
        type: "button",
        "data-testid": "add-to-campaign",
        on: { click: () => a.addToCampaign() },
      },
      "Add to campaign",
    );
    this.pushButton = h(
      "button",
      {
        class: "button primary",
        type: "button",
        "data-testid": "push-to-itris",
        on: { click: () => a.push() },
      },
      "Push to itris",
    );
    const actionsRow = h("div", { class: "actions" }, this.addButton, this.pushButton);

    this.statusText = h("span", { "data-testid": "sync-status", "aria-live": "polite" });
    this.retryButton = h(
      "button",
      {
        class: "button small",
        type: "button",
        "data-testid": "retry-push",
        hidden: true,
        on: { click: () => a.retry() },
      },
      "Retry",
    );
    this.status = h("div", { class: "status" }, this.statusText, this.retryButton);

    this.error = h("p", { class: "error", "data-testid": "panel-error", role: "alert" });
    this.error.hidden = true;

    this.main = h(
      "div",
      { class: "main" },
      this.person,
      this.record,
      this.offLimits,
      this.optOut,
      campaignRow,
      syncRow,
      this.sourceRow,
      this.options,
      this.company,
      actionsRow,
      this.status,
    );
    this.main.style.display = "grid";
    this.main.style.gap = "10px";
    this.loading = h("p", { class: "muted" }, "Reading this profile…");
    const footer = h(
      "footer",
      {},
      this.who,
      h(
        "button",
        { class: "link", type: "button", on: { click: () => a.openOptions() } },
        "Options",
      ),
    );
    this.body = h(
      "div",
      { class: "body" },
      this.signedOut,
      this.loading,
      this.main,
      this.error,
      footer,
    );
    this.panel = h(
      "aside",
      {
        class: "panel",
        "data-testid": "itris-panel",
        "aria-label": "itris-sync",
        "data-state": "",
      },
      header,
      this.body,
    );
  }

  render(state) {
    this.panel.dataset.state = state.phase;
    this.panel.classList.toggle("collapsed", Boolean(state.collapsed));
    this.collapse.textContent = state.collapsed ? "+" : "–";
    this.collapse.setAttribute("aria-expanded", String(!state.collapsed));
    setText(this.who, state.user ? `Signed in as ${state.user.name}` : "Not signed in");
    setText(this.headerName, state.collapsed && state.profile ? (state.profile.name ?? "") : "");
    this.signedOut.hidden = state.phase !== "signed-out";
    this.loading.hidden = state.phase !== "loading";
    this.main.hidden = state.phase !== "ready";
    setText(this.error, state.error, { hideWhenEmpty: true });
    if (state.phase === "ready") {
      this.renderPerson(state);
      this.renderRecord(state);
      this.renderCampaigns(state);
      this.renderSyncAs(state);
      this.renderOptions(state);
      this.renderCompany(state);
      this.renderActions(state);
      this.renderStatus(state);
    }
  }

  renderPerson({ profile }) {
    setText(this.name, profile.name ?? "Unnamed profile");
    const sub = [profile.title, profile.company].filter(Boolean).join(" at ");
    setText(this.subtitle, [sub || profile.headline, profile.location].filter(Boolean).join(" · "));
  }

  renderRecord(state) {
    const itris = state.lookup?.itris ?? {};
    const possible = possibleMatches(state);
    let kind = "unknown";
    let text = "Not in itris yet";
    if (!state.lookup) {
      text = "Checking itris…";
    } else if (itris.error) {
      kind = "error";
      text = "itris could not be checked";
    } else if (!itris.connected) {
      text = "itris is not connected for your team yet (an admin connects it in itris-sync)";
    } else if (itris.match) {
      kind = "match";
      text =
        `In itris as ${syncAsLabel(itris.match.type)} #${itris.match.id}: ` +
        matchedByLabel(itris.match.matched_by);
    } else if (possible.length) {
      kind = "possible";
      text = "Possibly in itris: same name at the same company. Is this them?";
    }
    this.record.dataset.kind = kind;
    setText(this.recordText, text);
    // What itris said is kept for a few minutes: say when it was asked.
    this.record.title = itris.checked_at
      ? `itris checked at ${new Date(itris.checked_at).toLocaleTimeString()}`
      : "";

    const busy = Boolean(state.busy);
    const rows = possible.map((match) =>
      h(
        "li",
        { class: "choice" },
        h(
          "span",
          {},
          `${match.name || "Unnamed"}${match.company ? `, ${match.company}` : ""} ` +
            `(${syncAsLabel(match.type)} #${match.id})`,
        ),
        h(
          "button",
          {
            class: "button small",
            type: "button",
            "data-testid": "review-link",
            disabled: busy,
            on: { click: () => this.actions.link(match.type, match.id) },
          },
          "Link",
        ),
      ),
    );
    if (possible.length) {
      rows.push(
        h(
          "li",
          { class: "choice" },
          h("span", {}, "None of these"),
          h(
            "button",
            {
              class: "button small",
              type: "button",
              "data-testid": "review-create-new",
              disabled: busy,
              on: { click: () => this.actions.createNew() },
            },
            "Create new",
          ),
        ),
      );
    }
    replaceChildren(this.recordChoices, rows);
    this.recordChoices.hidden = !rows.length;

    const also = (itris.also_exists_as ?? []).map((r) => `${syncAsLabel(r.type)} #${r.id}`);
    setText(this.recordAlso, also.length ? `Also in itris as ${also.join(", ")}` : "", {
      hideWhenEmpty: true,
    });
    this.offLimits.hidden = !itris.off_limits;
    this.optOut.hidden = !itris.opt_out;
  }

  renderCampaigns({ campaigns, campaignId, busy }) {
    const options = campaigns.length
      ? campaigns.map((c) =>
          h("option", { value: String(c.id), selected: c.id === campaignId }, c.name),
        )
      : [h("option", { value: "" }, "No campaigns yet")];
    replaceChildren(this.campaignSelect, options);
    this.campaignSelect.value = campaignId ? String(campaignId) : "";
    this.campaignSelect.disabled = !campaigns.length || Boolean(busy);
  }

  renderSyncAs({ syncAs, busy, saving, saved }) {
    this.syncAs.value = syncAs.value;
    this.syncAs.disabled = Boolean(busy);
    const source = sourceLabel(syncAs.source);
    setText(this.source, source.charAt(0).toUpperCase() + source.slice(1));
    this.source.dataset.source = syncAs.source;
    setText(this.saveState, saving ? "Saving…" : saved ? "Saved" : "");
    this.saveState.dataset.state = saving ? "saving" : saved ? "saved" : "";
  }

  renderOptions(state) {
    this.options.hidden = !state.optionsOpen;
    this.optionsToggle.setAttribute("aria-expanded", String(state.optionsOpen));
    const checked = new Set(state.tags.checked);
    replaceChildren(
      this.tags,
      state.tags.known.length
        ? state.tags.known.map((tag) => {
            const box = h("input", {
              type: "checkbox",
              checked: checked.has(tag),
              on: { change: (event) => this.actions.toggleTag(tag, event.target.checked) },
            });
            return h(
              "label",
              {
                class: "chip",
                "data-testid": "sync-tag",
                "data-checked": String(checked.has(tag)),
              },
              box,
              tag,
            );
          })
        : h("span", { class: "muted" }, "No tags"),
    );
    this.renderFields(state);
  }

  renderFields({ fields, fieldValues, fieldErrors }) {
    // Rebuilt only when the set of fields or their server values change, so typing in a
    // field is never interrupted by a re-render.
    const key = JSON.stringify([fields.displayed, fields.mandatory, fields.values]);
    if (key !== this.fieldsKey) {
      this.fieldsKey = key;
      const mandatory = new Set(fields.mandatory);
      replaceChildren(
        this.fields,
        fields.displayed.map((name) => {
          const input = h("input", {
            type: name === "emailAddress" ? "email" : "text",
            name,
            "data-testid": `field-${name}`,
            "data-mandatory": mandatory.has(name) ? "true" : null,
            "aria-required": mandatory.has(name) ? "true" : null,
            value: fieldValues[name] ?? "",
            on: {
              input: (event) => this.actions.editField(name, event.target.value),
              change: (event) => this.actions.saveField(name, event.target.value),
            },
          });
          const wide = ["webAddress", "headline", "emailAddress", "address"].includes(name);
          return h(
            "label",
            { class: wide ? "field wide" : "field" },
            h(
              "span",
              {},
              fieldLabel(name),
              mandatory.has(name) ? h("abbr", { title: "mandatory" }, "*") : null,
            ),
            input,
          );
        }),
      );
    }
    for (const input of this.fields.querySelectorAll("input")) {
      const error = fieldErrors[input.name];
      input.setAttribute("aria-invalid", error ? "true" : "false");
      input.title = error ?? "";
      if (this.shadow.activeElement !== input && input.value !== (fieldValues[input.name] ?? "")) {
        input.value = fieldValues[input.name] ?? "";
      }
    }
  }

  renderCompany(state) {
    const company = state.lookup?.company ?? {};
    const info = company.info;
    this.companyInfo.hidden = !info;
    if (info) {
      const facts = companyFacts(info);
      const how = info.matched_by === "alias" ? " (your team's pick)" : "";
      replaceChildren(
        this.companyInfo,
        h("span", { class: "label" }, "itris company: "),
        `${info.name ?? `#${info.itris_id}`}${how}`,
        facts.length ? h("span", { class: "facts" }, ` · ${facts.join(" · ")}`) : null,
      );
    }
    const candidates = companyCandidates(state);
    this.companyWarning.hidden = !candidates.length;
    if (!candidates.length) {
      replaceChildren(this.companyCandidates);
      return;
    }
    const waiting = state.push?.status === "needs_review" && state.push.review?.kind === "company";
    setText(
      this.companyWarningText,
      waiting
        ? "Which itris company is this? The push waits for your pick."
        : info
          ? "Other itris companies with a similar name:"
          : `${candidates.length} itris companies look like "${state.profile.company ?? ""}". ` +
            "Pick the right one:",
    );
    replaceChildren(
      this.companyCandidates,
      candidates.map((candidate) =>
        h(
          "button",
          {
            class: "candidate",
            type: "button",
            "data-testid": "company-candidate",
            "data-itris-id": String(candidate.itris_id),
            "aria-pressed": String(state.companyPicked === candidate.itris_id),
            disabled: Boolean(state.busy),
            title:
              `${candidate.reason === "duplicate" ? "Same name" : "Similar name"} ` +
              `(score ${candidate.score})`,
            on: { click: () => this.actions.pickCompany(candidate.itris_id) },
          },
          h("span", {}, candidate.name),
          h("span", { class: "detail" }, candidate.detail ?? `#${candidate.itris_id}`),
        ),
      ),
    );
  }

  renderActions(state) {
    const campaign = state.campaigns.find((c) => c.id === state.campaignId);
    this.addButton.textContent = state.member ? "In campaign ✓" : "Add to campaign";
    this.addButton.title = campaign ? `Add to ${campaign.name}` : "Choose a campaign first";
    this.addButton.disabled = !campaign || Boolean(state.busy) || state.member === true;
    this.pushButton.disabled = Boolean(state.busy);
    this.pushButton.textContent = state.busy === "push" ? "Pushing…" : "Push to itris";
  }

  renderStatus({ push, busy }) {
    const { tone, text } = pushStatusText(push);
    this.status.dataset.tone = tone;
    setText(this.statusText, text);
    this.statusText.dataset.status = push?.status ?? "none";
    // A skipped push was a rule's decision (e.g. mandatory fields): "Push to itris" asks
    // again with the rules applied; Retry is for pushes itris failed.
    this.retryButton.hidden = push?.status !== "failed" || !push?.id;
    this.retryButton.disabled = Boolean(busy);
  }
}
