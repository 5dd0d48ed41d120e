/* An offline-tolerant queue of entries kept in localStorage and sent to a sync endpoint.
 *
 * Every entry carries an id made here (a UUID): the server stores each id once and answers
 * "duplicate" for a copy, so the queue is sent again until the server has answered for every entry
 * — nothing entered offline is lost, nothing is stored twice. Entries the server refuses for their
 * content move to a "rejected" list shown to the worker, with the reason.
 */
(function (global) {
  "use strict";

  function uuid() {
    if (global.crypto && global.crypto.randomUUID) return global.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  class OfflineQueue {
    constructor(name, url, onChange) {
      this.key = `jiceng.${name}.queue`;
      this.rejectedKey = `jiceng.${name}.rejected`;
      this.url = url;
      this.onChange = onChange || function () {};
      this.sending = false;
      this.lastError = "";
      global.addEventListener("online", () => this.flush());
      global.setInterval(() => this.flush(), 15000);
    }
    load(key) {
      try { return JSON.parse(global.localStorage.getItem(key) || "[]"); } catch (e) { return []; }
    }
    save(key, list) { global.localStorage.setItem(key, JSON.stringify(list)); }
    pending() { return this.load(this.key); }
    rejected() { return this.load(this.rejectedKey); }
    add(entry) {
      entry.id = entry.id || uuid();
      entry.at = entry.at || new Date().toISOString();
      const list = this.pending();
      list.push(entry);
      this.save(this.key, list);  // kept before anything is sent
      this.onChange(this);
      this.flush();
      return entry;
    }
    async flush() {
      if (this.sending || !navigator.onLine) { this.onChange(this); return; }
      const batch = this.pending().slice(0, 50);
      if (!batch.length) { this.onChange(this); return; }
      this.sending = true;
      try {
        const response = await fetch(this.url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify({ entries: batch }),
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const answer = await response.json();
        const done = new Set();
        const refused = this.rejected();
        for (const result of answer.results || []) {
          done.add(result.id);
          if (result.status === "error") {
            const entry = batch.find((e) => e.id === result.id);
            refused.push({ entry: entry, message: result.message, code: result.code });
          } else if (result.case) {
            this.onCase && this.onCase(result);
          }
        }
        // Only entries the server answered for leave the queue; anything added meanwhile stays.
        this.save(this.key, this.pending().filter((e) => !done.has(e.id)));
        this.save(this.rejectedKey, refused);
        this.lastError = "";
      } catch (error) {
        this.lastError = String(error);  // offline or server away: everything stays queued
      } finally {
        this.sending = false;
        this.onChange(this);
      }
      if (!this.lastError && this.pending().length) this.flush();
    }
  }

  global.JicengQueue = { OfflineQueue: OfflineQueue, uuid: uuid, csrfToken: csrfToken };
})(window);
