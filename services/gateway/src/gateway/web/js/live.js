// One live room socket that heals itself: when the connection drops (a replica going
// away says 1001, a network cut says nothing), it reconnects with `since` = the last
// message id it showed, so the server sends exactly what was missed; ids already
// shown are never shown again.
import { session, signOut } from "./session.js";

const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_UNKNOWN_ROOM = 4404;
const CLOSE_POLICY = 1008;
const MAX_BACKOFF_MS = 10000;

export class RoomConnection {
  constructor(roomId, handlers) {
    this.roomId = roomId;
    this.handlers = handlers; // onFrame(frame), onMessage(message), onState(state, detail)
    this.lastId = null;
    this.seen = new Set();
    this.socket = null;
    this.closed = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.goOffline = () => this.socket?.close(4000, "offline");
    this.goOnline = () => this.reconnectNow();
    window.addEventListener("offline", this.goOffline);
    window.addEventListener("online", this.goOnline);
  }

  url() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ token: session()?.token || "" });
    if (this.lastId !== null) query.set("since", String(this.lastId));
    return `${scheme}://${window.location.host}/api/games/wss/lobby/${this.roomId}?${query}`;
  }

  connect() {
    if (this.closed) return;
    this.handlers.onState(this.lastId === null ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url());
    const previous = this.socket;
    this.socket = socket;
    previous?.close(1000, "replaced"); // a late answer from an older attempt must not linger
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame.type === "welcome") {
        const resumed = this.lastId !== null;
        this.attempt = 0;
        this.handlers.onFrame(frame); // the room and its members first, then its history
        for (const message of frame.history || []) this.deliver(message);
        if (this.lastId === null) this.lastId = 0;
        this.handlers.onState("live", { resumed });
      } else if (frame.type === "message") this.deliver(frame);
      else this.handlers.onFrame(frame);
    });
    socket.addEventListener("close", (event) => this.onClose(socket, event));
  }

  deliver(message) {
    if (this.seen.has(message.id)) return;
    this.seen.add(message.id);
    this.lastId = Math.max(this.lastId ?? 0, message.id);
    this.handlers.onMessage(message);
  }

  onClose(socket, event) {
    if (socket !== this.socket || this.closed) return;
    if (event.code === CLOSE_UNAUTHORIZED) {
      this.close();
      signOut("expired");
      return;
    }
    if (event.code === CLOSE_UNKNOWN_ROOM) {
      this.close();
      this.handlers.onState("gone", { reason: "This room has closed." });
      return;
    }
    if (event.code === CLOSE_POLICY) {
      this.close();
      this.handlers.onState("gone", { reason: event.reason || "The room closed your connection." });
      return;
    }
    this.handlers.onState("offline", { reason: event.reason });
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), navigator.onLine === false ? MAX_BACKOFF_MS : delay);
  }

  reconnectNow() {
    if (this.closed) return;
    if (this.socket && this.socket.readyState === WebSocket.OPEN) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  }

  send(frame) {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    window.removeEventListener("offline", this.goOffline);
    window.removeEventListener("online", this.goOnline);
    this.socket?.close(1000, "left the room");
  }
}
