// The panel's behaviour: load a profile's itris state, save each change the moment it is
// made, add / push / link / pick, and follow the push until it settles. It keeps one
// state object and hands it to the view after every change.
//
// A person not yet in our database has no contact to hang an override on. Their "sync as",
// tags and typed fields are kept as a draft (in the worker's storage, so a reload keeps
// it) and applied when they are added to the campaign, by Add or by Push. A person we
// know gets every change saved on the backend at once.

import { toBackendProfile } from "../profile.js";
import { isPending } from "./labels.js";
import { previewFields } from "./preview.js";

const POLL_DELAYS_MS = [300, 300, 400, 500, 700, 1000, 1500, 2000];
const MAX_POLL_FAILURES = 3;

function initialState() {
  return {
    phase: "loading", // loading | signed-out | ready | error
    user: null,
    profile: null,
    campaigns: [],
    campaignId: null,
    lookup: null,
    contactId: null,
    syncAs: { value: "applicant", source: "team" },
    tags: { known: [], checked: [] },
    fields: { displayed: [], mandatory: [], values: {} },
    fieldValues: {},
    fieldErrors: {},
    draft: null,
    member: null,
    push: null,
    companyPicked: null,
    optionsOpen: false,
    collapsed: false,
    busy: null,
    saving: 0, // saves on their way to the backend (or the draft)
    saved: null, // the last save landed: true; failed: false; none yet: null
    error: "",
  };
}

function uniqueTags(...lists) {
  const seen = new Map();
  for (const tag of lists.flat()) {
    const text = String(tag ?? "").trim();
    if (text && !seen.has(text.toLowerCase())) {
      seen.set(text.toLowerCase(), text);
    }
  }
  return [...seen.values()];
}

/** The push as the lookup's `sync` block describes it, in the shape GET /api/pushes gives. */
function pushFromLookup(sync) {
  if (!sync?.status) {
    return null;
  }
  return {
    id: sync.push_id,
    status: sync.status,
    last_error: sync.last_error,
    review: sync.review,
  };
}

function reviewOf(push) {
  return push?.review ?? push?.result?.review ?? null;
}

/** Field errors of a 422 (`errors.fields.<name>: [...]`) as one message per field. */
function fieldErrorsOf(answer) {
  const fields = answer?.errors?.fields ?? {};
  return Object.fromEntries(
    Object.entries(fields).map(([name, messages]) => [
      name,
      Array.isArray(messages) ? messages.join(" ") : String(messages),
    ]),
  );
}

class Stale extends Error {}

export class PanelController {
  constructor({ send, api, View }) {
    this.send = send;
    this.api = api;
    this.generation = 0;
    this.pollTimer = null;
    this.saving = Promise.resolve();
    this.state = initialState();
    this.view = new View(this.actions());
  }

  actions() {
    return {
      toggleCollapsed: () => this.update({ collapsed: !this.state.collapsed }),
      toggleOptions: () => this.update({ optionsOpen: !this.state.optionsOpen }),
      openOptions: () =>
        this.run(null, async () => this.expectOk(await this.send({ type: "options:open" }))),
      chooseCampaign: (id) => this.run(null, () => this.chooseCampaign(id)),
      // Saves run one after another, each from the state the one before left: a quick
      // second click is never lost, and Add / Push wait for every save to land.
      changeSyncAs: (value) => this.run(null, () => this.serially(() => this.changeSyncAs(value))),
      toggleTag: (tag, checked) =>
        this.run(null, () => this.serially(() => this.toggleTag(tag, checked))),
      addTag: (text) => this.run(null, () => this.serially(() => this.addTag(text))),
      editField: (name, value) => {
        this.state.fieldValues[name] = value;
      },
      saveField: (name, value) => {
        this.state.fieldValues[name] = value;
        this.run(null, () => this.flushFields());
      },
      addToCampaign: () => this.run("add", () => this.addToCampaign()),
      push: () => this.run("push", () => this.push()),
      retry: () => this.run("retry", () => this.retry()),
      link: (type, id) => this.run("link", () => this.link({ itris_type: type, itris_id: id })),
      createNew: () => this.run("link", () => this.link({ create_new: true })),
      pickCompany: (id) => this.run("company", () => this.pickCompany(id)),
    };
  }

  // --- State and rendering --------------------------------------------------------------
  update(changes) {
    Object.assign(this.state, changes);
    this.view.render(this.state);
  }

  /** Run a user action: one at a time, errors into the panel, never swallowed. */
  async run(busy, action) {
    if (this.state.busy && busy) {
      return;
    }
    const generation = this.generation;
    this.update(busy ? { busy, error: "" } : { error: "" });
    try {
      await action();
    } catch (error) {
      if (!(error instanceof Stale) && generation === this.generation) {
        this.update({ error: error.message });
      }
    } finally {
      if (generation === this.generation && busy) {
        this.update({ busy: null });
      }
    }
  }

  /** Throw Stale when the page moved on to another profile while we waited. */
  check(generation) {
    if (generation !== this.generation) {
      throw new Stale("the page shows another profile now");
    }
  }

  /** The answer's data, or an Error carrying the backend's message (401 signs out here). */
  expectOk(answer) {
    if (answer.ok) {
      return answer.data;
    }
    if (answer.status === 401) {
      this.update({ phase: "signed-out", user: null });
    }
    const error = new Error(answer.error || `The backend answered ${answer.status}.`);
    error.answer = answer;
    throw error;
  }

  mount(doc) {
    this.view.mount(doc);
  }

  /** Leave the page alone: stop polling and take the panel away (a non-profile page). */
  hide() {
    this.generation += 1;
    this.stopPolling();
    this.view.unmount();
  }

  /** Show "reading this profile" while the page is still rendering it. */
  loading() {
    this.generation += 1;
    this.stopPolling();
    this.update({ phase: "loading", error: "" });
  }

  // --- Loading a profile ----------------------------------------------------------------
  /** Show a newly read profile: who is signed in, campaigns, and its itris state. */
  async load(profile) {
    this.generation += 1;
    const generation = this.generation;
    this.stopPolling();
    const kept = {
      user: this.state.user,
      campaigns: this.state.campaigns,
      campaignId: this.state.campaignId,
      optionsOpen: this.state.optionsOpen,
      collapsed: this.state.collapsed,
    };
    this.state = { ...initialState(), ...kept, profile };
    this.view.render(this.state);
    try {
      await this.loadAll(generation);
    } catch (error) {
      if (!(error instanceof Stale) && generation === this.generation) {
        const signedOut = this.state.phase === "signed-out";
        this.update({ phase: signedOut ? "signed-out" : "error", error: error.message });
      }
    }
  }

  async loadAll(generation) {
    const prefs = await this.send({ type: "prefs:get" });
    this.check(generation);
    let campaignId = prefs.ok ? (prefs.data?.campaignId ?? null) : null;
    // Who is signed in, the campaigns and the lookup all at once: one round trip's wait.
    const [auth, campaigns, early] = await Promise.all([
      this.send({ type: "auth:state" }),
      this.api("GET", "/api/campaigns"),
      campaignId ? this.lookup(campaignId) : null,
    ]);
    this.check(generation);
    const user = auth.data?.user ?? null;
    if (!user) {
      this.update({
        phase: "signed-out",
        user: null,
        error: auth.ok ? (auth.data?.notice ?? "") : auth.error,
      });
      return;
    }
    this.state.user = user;
    this.state.campaigns = this.expectOk(campaigns);
    let answer = early;
    if (!this.state.campaigns.some((c) => c.id === campaignId)) {
      campaignId = this.state.campaigns[0]?.id ?? null;
      answer = null; // the remembered campaign is gone: look up under the first one
    }
    this.state.campaignId = campaignId;
    answer ??= await this.lookup(campaignId);
    this.check(generation);
    await this.applyLookup(this.expectOk(answer), generation);
    this.update({ phase: "ready" });
    // For the benchmark (tests/bench/bench_panel.py): when the itris state became visible.
    performance.mark("itris-sync:ready", { detail: { slug: this.state.profile.slug } });
    this.followPush(generation);
  }

  lookup(campaignId) {
    const body = { ...toBackendProfile(this.state.profile), campaign_id: campaignId ?? null };
    return this.api("POST", "/api/profile/lookup", body);
  }

  /** Take in a lookup: effective values, fields, the latest push, a draft if not added. */
  async applyLookup(data, generation) {
    const s = this.state;
    const effective = data.effective ?? {};
    const campaign = s.campaigns.find((c) => c.id === s.campaignId);
    s.lookup = data;
    s.contactId = data.contact?.id ?? s.contactId ?? null;
    s.syncAs = { value: effective.sync_as ?? "applicant", source: effective.source ?? "team" };
    s.tags = {
      known: uniqueTags(campaign?.tags ?? [], effective.tags ?? [], s.tags.known),
      checked: uniqueTags(effective.tags ?? []),
    };
    s.fields = {
      displayed: data.fields?.displayed ?? [],
      mandatory: data.fields?.mandatory ?? [],
      values: data.fields?.values ?? {},
    };
    s.fieldValues = { ...s.fields.values };
    s.savedFieldValues = { ...s.fields.values };
    s.fieldErrors = {};
    s.member = this.isMember(data);
    const latest = pushFromLookup(data.sync);
    if (latest && latest.id === s.push?.id) {
      s.push = { ...s.push, ...latest }; // keep what GET /api/pushes told us (its result)
    } else if (latest && (!s.push?.id || latest.id > s.push.id)) {
      s.push = latest;
    }
    s.error = data.itris?.error ?? "";
    if (!s.contactId) {
      await this.applyDraft(generation);
    }
  }

  isMember(data) {
    const campaignId = this.state.campaignId;
    if (!data.contact || !campaignId) {
      return false;
    }
    if (Array.isArray(data.contact.campaign_ids)) {
      return data.contact.campaign_ids.includes(campaignId);
    }
    // Only a membership can carry a person's own override for this campaign.
    const effective = data.effective ?? {};
    return effective.source === "contact" || effective.tags_source === "contact" || null;
  }

  draftKey() {
    return `${this.state.profile.slug}@${this.state.campaignId}`;
  }

  async applyDraft(generation) {
    const s = this.state;
    if (!s.campaignId || !s.profile.slug) {
      return;
    }
    const answer = await this.send({ type: "draft:get", key: this.draftKey() });
    this.check(generation);
    const draft = answer.ok ? answer.data : null;
    s.draft = draft ?? null;
    if (!draft) {
      return;
    }
    if (draft.sync_as && draft.sync_as !== s.syncAs.value) {
      await this.previewSyncAs(draft.sync_as, generation);
    }
    if (draft.sync_as) {
      s.syncAs = { value: draft.sync_as, source: "draft" };
    }
    if (draft.tags) {
      s.tags = { known: uniqueTags(s.tags.known, draft.tags), checked: uniqueTags(draft.tags) };
    }
    Object.assign(s.fieldValues, draft.fields ?? {});
  }

  /** Fields of another "sync as" for a person not added yet, from the effective settings. */
  async previewSyncAs(syncAs, generation) {
    const s = this.state;
    if (syncAs === s.lookup.effective?.sync_as) {
      s.fields = {
        displayed: s.lookup.fields?.displayed ?? [],
        mandatory: s.lookup.fields?.mandatory ?? [],
        values: s.lookup.fields?.values ?? {},
      };
    } else {
      const settings = this.expectOk(await this.api("GET", "/api/integrations/itris/settings"));
      this.check(generation);
      s.fields = previewFields(settings.effective?.[syncAs], s.profile);
    }
    s.fieldValues = { ...s.fields.values, ...(s.draft?.fields ?? {}) };
    s.savedFieldValues = { ...s.fields.values };
  }

  /** Look the profile up again (after a change on the backend) and show the result. */
  async refresh() {
    const generation = this.generation;
    const answer = await this.lookup(this.state.campaignId);
    this.check(generation);
    await this.applyLookup(this.expectOk(answer), generation);
    this.update({});
    this.followPush(generation);
  }

  // --- Campaign, sync as, tags, fields ------------------------------------------------
  async chooseCampaign(id) {
    const generation = this.generation;
    await this.send({ type: "prefs:set", campaignId: id });
    this.check(generation);
    this.stopPolling();
    // Another campaign has other tags and maybe another "sync as": start from its values.
    this.update({ campaignId: id, push: null, draft: null, tags: { known: [], checked: [] } });
    await this.refresh();
  }

  requireCampaign() {
    if (!this.state.campaignId) {
      throw new Error("Choose a campaign first: sync options are kept per campaign.");
    }
  }

  async changeSyncAs(value) {
    this.requireCampaign();
    const s = this.state;
    const generation = this.generation;
    if (s.contactId && s.member) {
      await this.saveOverride({ sync_as: value });
      await this.refresh(); // fields and the itris match depend on the record type
      return;
    }
    await this.saveDraft({ sync_as: value });
    this.check(generation);
    try {
      await this.previewSyncAs(value, generation);
    } finally {
      s.syncAs = { value, source: "draft" };
      this.update({});
    }
  }

  async toggleTag(tag, checked) {
    const current = new Set(this.state.tags.checked);
    const tags = this.state.tags.known.filter((t) => (t === tag ? checked : current.has(t)));
    await this.saveTags(tags);
  }

  async addTag(text) {
    const tag = String(text ?? "").trim();
    if (!tag) {
      return;
    }
    if (tag.length > 100) {
      throw new Error("A tag is at most 100 characters long.");
    }
    const known = uniqueTags(this.state.tags.known, [tag]);
    const existing = known.find((t) => t.toLowerCase() === tag.toLowerCase());
    this.state.tags.known = known;
    await this.saveTags(uniqueTags(this.state.tags.checked, [existing]));
  }

  async saveTags(tags) {
    this.requireCampaign();
    const before = this.state.tags.checked;
    this.update({ tags: { ...this.state.tags, checked: tags } });
    try {
      if (this.state.contactId && this.state.member) {
        const result = await this.saveOverride({ tags });
        this.state.tags.checked = uniqueTags(result.effective?.tags ?? tags);
      } else {
        await this.saveDraft({ tags });
      }
    } catch (error) {
      this.state.tags.checked = before; // show what is really saved
      throw error;
    } finally {
      this.update({});
    }
  }

  async saveOverride(change) {
    const generation = this.generation;
    const s = this.state;
    const body = { campaign_id: s.campaignId, ...change };
    const result = this.expectOk(
      await this.api("PUT", `/api/contacts/${s.contactId}/sync-override`, body),
    );
    this.check(generation);
    const effective = result.effective ?? {};
    s.syncAs = { value: effective.sync_as ?? s.syncAs.value, source: effective.source };
    this.update({});
    return result;
  }

  async saveDraft(change) {
    const s = this.state;
    const draft = { ...(s.draft ?? {}), ...change };
    this.expectOk(await this.send({ type: "draft:set", key: this.draftKey(), draft }));
    s.draft = draft;
  }

  /** Fields the recruiter changed and the backend (or the draft) does not have yet. */
  dirtyFields() {
    const s = this.state;
    const saved = s.savedFieldValues ?? {};
    return Object.fromEntries(
      Object.entries(s.fieldValues).filter(([name, value]) => (saved[name] ?? "") !== value),
    );
  }

  /** Run a save after every save before it (whether those worked or not), and show
   * "Saving…" / "Saved" while and after it runs (`quiet`: nothing shown). */
  serially(task, { quiet = false } = {}) {
    const next = this.saving.catch(() => {}).then(task);
    this.saving = next;
    if (!quiet) {
      const generation = this.generation;
      const settle = (ok) => {
        if (generation === this.generation) {
          const saving = Math.max(0, this.state.saving - 1);
          this.update({ saving, saved: saving ? null : ok });
        }
      };
      this.update({ saving: this.state.saving + 1, saved: null });
      next.then(
        () => settle(true),
        () => settle(false),
      );
    }
    return next;
  }

  /** Save typed fields: on the contact when we know them, else in the draft. */
  flushFields() {
    const quiet = !Object.keys(this.dirtyFields()).length;
    return this.serially(() => this.saveFields(), { quiet });
  }

  async saveFields() {
    const s = this.state;
    const dirty = this.dirtyFields();
    if (!Object.keys(dirty).length) {
      return;
    }
    const generation = this.generation;
    if (!s.contactId) {
      if (s.campaignId) {
        await this.saveDraft({ fields: { ...(s.draft?.fields ?? {}), ...dirty } });
      }
      return;
    }
    const answer = await this.api("PATCH", `/api/contacts/${s.contactId}`, { fields: dirty });
    this.check(generation);
    if (!answer.ok) {
      this.update({ fieldErrors: fieldErrorsOf(answer) });
      this.expectOk(answer);
    }
    Object.assign(s.savedFieldValues, dirty);
    this.update({ fieldErrors: {} });
    if (answer.data?.push) {
      this.track(answer.data.push);
    }
  }

  // --- Add, push, retry, link, company ------------------------------------------------
  /** The person's contact id, adding them to the selected campaign first if we must. */
  async ensureContact() {
    const s = this.state;
    if (s.contactId) {
      return { contactId: s.contactId, added: null };
    }
    this.requireCampaign();
    return this.add();
  }

  async add() {
    const s = this.state;
    const generation = this.generation;
    const body = { profile: toBackendProfile(s.profile) };
    const draft = s.draft ?? {};
    const typed = { ...(draft.fields ?? {}), ...this.dirtyFields() };
    if (Object.keys(typed).length) {
      body.fields = typed;
    }
    if (draft.sync_as) {
      body.sync_as = draft.sync_as;
    }
    if (draft.tags) {
      body.tags = draft.tags;
    }
    const answer = await this.api("POST", `/api/campaigns/${s.campaignId}/contacts`, body);
    this.check(generation);
    if (!answer.ok) {
      this.update({ fieldErrors: fieldErrorsOf(answer) });
    }
    const added = this.expectOk(answer);
    await this.send({ type: "draft:clear", key: this.draftKey() });
    this.check(generation);
    s.contactId = added.contact_id;
    s.draft = null;
    s.member = true;
    s.savedFieldValues = { ...s.fieldValues };
    if (added.effective) {
      s.syncAs = { value: added.effective.sync_as, source: added.effective.source };
    }
    this.update({});
    return { contactId: added.contact_id, added };
  }

  async addToCampaign() {
    this.requireCampaign();
    await this.flushFields();
    const { added } = await this.add();
    if (added.push) {
      this.track(added.push);
    }
    await this.refresh();
  }

  async push() {
    const s = this.state;
    const generation = this.generation;
    await this.flushFields();
    this.check(generation);
    const { contactId, added } = await this.ensureContact();
    if (added?.push && isPending(added.push.status)) {
      // Adding them already queued their push (the team adds people on campaign add).
      this.track(added.push);
      return;
    }
    const answer = await this.api("POST", `/api/contacts/${contactId}/push`, {
      campaign_id: s.campaignId,
    });
    this.check(generation);
    if (!answer.ok) {
      let also = "";
      if (added) {
        // They are in the campaign now (and its rules may have recorded a skipped push).
        also = await this.refresh().then(
          () => "",
          (error) => ` (The panel could not refresh either: ${error.message})`,
        );
      }
      this.update({ fieldErrors: fieldErrorsOf(answer), optionsOpen: true });
      this.expectOk({ ...answer, error: `${answer.error}${also}` });
    }
    this.track(answer.data);
  }

  async retry() {
    const push = this.state.push;
    const generation = this.generation;
    const answer = await this.api("POST", `/api/pushes/${push.id}/retry`);
    this.check(generation);
    this.track(this.expectOk(answer));
  }

  async link(body) {
    const generation = this.generation;
    const { contactId } = await this.ensureContact();
    const answer = await this.api("POST", `/api/contacts/${contactId}/link`, body);
    this.check(generation);
    this.track(this.expectOk(answer));
  }

  async pickCompany(itrisId) {
    const generation = this.generation;
    const { contactId, added } = await this.ensureContact();
    if (added?.push) {
      this.track(added.push);
    }
    const answer = await this.api("POST", `/api/contacts/${contactId}/company`, {
      itris_company_id: itrisId,
    });
    this.check(generation);
    const result = this.expectOk(answer);
    this.update({ companyPicked: itrisId });
    if (result.push) {
      this.track(result.push);
    } else {
      await this.refresh();
      this.update({ companyPicked: itrisId });
    }
  }

  // --- Following a push -----------------------------------------------------------------
  /** Show a push and follow it until it settles. */
  track(push) {
    if (!push) {
      return;
    }
    this.update({ push: { ...push, review: reviewOf(push) } });
    this.followPush(this.generation);
  }

  followPush(generation) {
    this.stopPolling();
    const push = this.state.push;
    if (push?.id && isPending(push.status)) {
      this.poll(push.id, generation, 0, 0);
    }
  }

  poll(pushId, generation, step, failures) {
    const delay = POLL_DELAYS_MS[Math.min(step, POLL_DELAYS_MS.length - 1)];
    this.pollTimer = setTimeout(async () => {
      this.pollTimer = null;
      const answer = await this.api("GET", `/api/pushes/${pushId}`);
      if (generation !== this.generation || this.state.push?.id !== pushId) {
        return;
      }
      if (!answer.ok) {
        const message = `Could not follow the push: ${answer.error}`;
        this.update({ error: message });
        if (answer.status !== 401 && failures + 1 < MAX_POLL_FAILURES) {
          this.poll(pushId, generation, step + 1, failures + 1);
        }
        return;
      }
      const push = { ...answer.data, review: reviewOf(answer.data) };
      this.update({ push });
      if (isPending(push.status)) {
        this.poll(pushId, generation, step + 1, 0);
      } else if (push.status !== "failed") {
        // The itris record, its flags and the company may have changed: look again.
        this.refresh().catch((error) => {
          if (generation === this.generation && !(error instanceof Stale)) {
            this.update({ error: error.message });
          }
        });
      }
    }, delay);
  }

  stopPolling() {
    if (this.pollTimer) {
      clearTimeout(this.pollTimer);
      this.pollTimer = null;
    }
  }
}
