import { RoomConnection } from "../live.js";
import { session } from "../session.js";
import { h, notify, ratingControl, show } from "../ui.js";

const TYPING_SHOWN_MS = 3000;
const TYPING_SENT_EVERY_MS = 2000;

export function roomView({ params }) {
  const roomId = Number(params[0]);
  const me = session();
  const title = h("h1", {}, `Room ${roomId}`);
  const albumLink = h("p", { class: "byline" });
  const status = h("p", { class: "connection", role: "status", "aria-live": "polite", "data-state": "connecting" }, "Connecting…");
  const members = h("ul", { class: "members", "aria-label": "Members here now" });
  const typing = h("p", { class: "typing", "aria-live": "polite" });
  const log = h("ol", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Messages" });
  const text = h("input", { id: "say", autocomplete: "off", maxlength: 1000, placeholder: "Say something" });
  const send = h("button", { type: "submit" }, "Send");
  const composer = h("form", { class: "composer", "aria-label": "Send a message" }, h("label", { for: "say", class: "visually-hidden" }, "Message"), text, send);
  const rateHolder = h("div", { class: "room-rate" });
  let room = null;
  let creator = false;
  const typists = new Map();
  const names = new Map(); // user id → username, from members and messages seen
  let lastTypingSent = 0;
  const shownEvents = new Set(); // event ids already in the log
  let lastAverageSequence = 0;

  const connection = new RoomConnection(roomId, {
    onState(state, detail = {}) {
      status.dataset.state = state;
      if (state === "live") {
        status.textContent = detail.resumed ? "Back online: you are up to date." : "Live";
        composer.querySelectorAll("input, button").forEach((element) => (element.disabled = false));
      } else if (state === "offline" || state === "reconnecting") {
        status.textContent = "Offline: reconnecting…";
      } else if (state === "gone") {
        status.textContent = detail.reason || "This room has closed.";
        composer.querySelectorAll("input, button").forEach((element) => (element.disabled = true));
      }
    },
    onMessage(message) {
      names.set(message.user.id, message.user.username);
      log.append(messageItem(message));
      log.scrollTop = log.scrollHeight;
    },
    onFrame(frame) {
      switch (frame.type) {
        case "welcome":
          room = frame.room;
          creator = me && room.creator_id === me.id;
          title.textContent = room.title || `Room ${roomId}`;
          albumLink.replaceChildren(room.album_id ? h("a", { href: `#/album/${room.album_id}` }, "About this album") : "");
          paintMembers(frame.members);
          if (room.album_id && !rateHolder.firstChild) {
            rateHolder.append(
              h("p", { class: "hint" }, "Rate the album from here:"),
              ratingControl({
                label: "Rate this room's album",
                onChoose: (score) => {
                  if (connection.send({ type: "rate", score })) notify(`Rated ${score} stars.`);
                  else notify("You are offline: the rating was not sent.", "error");
                },
              }),
            );
          }
          break;
        case "presence":
          paintMembers(frame.members);
          break;
        case "typing":
          showTyping(frame.user);
          break;
        case "event": {
          const item = eventItem(frame);
          if (item) log.append(item);
          break;
        }
        case "deleted":
          log.querySelector(`[data-id="${Number(frame.message_id)}"]`)?.replaceWith(h("li", { class: "system" }, "A message was removed by the room's creator."));
          break;
        case "muted":
          log.append(h("li", { class: "system" }, `A member was muted for ${frame.minutes} minutes.`));
          break;
        case "reported":
          notify("Thank you: the message was reported.");
          break;
        case "error":
          notify(frame.message || "The room refused that.", "error");
          break;
        default:
          break;
      }
    },
  });

  function paintMembers(list) {
    for (const member of list) names.set(member.id, member.username);
    members.replaceChildren(
      ...list.map((member) => {
        const item = h("li", { "data-user": member.id }, h("span", { class: "dot", "aria-hidden": "true" }), member.username || `user ${member.id}`);
        if (creator && member.id !== me.id) {
          const mute = h("button", { type: "button", class: "small secondary" }, "Mute 10 min");
          mute.setAttribute("aria-label", `Mute ${member.username} for 10 minutes`);
          mute.addEventListener("click", () => connection.send({ type: "mute", user_id: member.id, minutes: 10 }));
          item.append(mute);
        }
        return item;
      }),
    );
  }

  function showTyping(user) {
    if (!user || user.id === me.id) return;
    clearTimeout(typists.get(user.id)?.timer);
    const timer = setTimeout(() => {
      typists.delete(user.id);
      paintTyping();
    }, TYPING_SHOWN_MS);
    typists.set(user.id, { name: user.username, timer });
    paintTyping();
  }

  function paintTyping() {
    const typingNames = [...typists.values()].map((typist) => typist.name);
    typing.textContent = typingNames.length ? `${typingNames.join(", ")} ${typingNames.length === 1 ? "is" : "are"} typing…` : "";
  }

  function messageItem(message) {
    const item = h(
      "li",
      { class: "message", "data-id": message.id },
      h("strong", {}, message.user.username || `user ${message.user.id}`),
      ": ",
      h("span", { class: "text" }, message.text),
      " ",
      h("time", { datetime: message.at }, new Date(message.at).toLocaleTimeString()),
    );
    if (message.user.id !== me.id) {
      const report = h("button", { type: "button", class: "small secondary" }, "Report");
      report.setAttribute("aria-label", `Report this message from ${message.user.username}`);
      report.addEventListener("click", () => {
        const reason = window.prompt("Why are you reporting this message?");
        if (reason && reason.trim()) connection.send({ type: "report", message_id: message.id, reason: reason.trim().slice(0, 500) });
      });
      item.append(report);
    }
    if (creator) {
      const remove = h("button", { type: "button", class: "small danger" }, "Delete");
      remove.setAttribute("aria-label", "Delete this message");
      remove.addEventListener("click", () => connection.send({ type: "delete", message_id: message.id }));
      item.append(remove);
    }
    return item;
  }

  function averageText(data) {
    return `now ${Number(data.avg_rating).toFixed(2)} from ${data.ratings_count} ${data.ratings_count === 1 ? "rating" : "ratings"}`;
  }

  // An event is shown once, and an album's average only when it is newer than the last shown.
  function eventItem(frame) {
    if (frame.id && shownEvents.has(frame.id)) return null;
    if (frame.id) shownEvents.add(frame.id);
    const data = frame.data || {};
    if (frame.name === "rating.changed") {
      const who = data.user_id === me.id ? "You" : names.get(data.user_id) || `Someone (user ${data.user_id})`;
      const what = data.score === null ? "removed a rating" : `rated the album ${data.score}`;
      const now = "avg_rating" in data ? ` — ${averageText(data)}` : "";
      return h("li", { class: "system rating-event" }, `${who} ${what}${now}`);
    }
    if (frame.name === "album.updated") {
      if (data.sequence <= lastAverageSequence) return null;
      lastAverageSequence = data.sequence;
      return h("li", { class: "system album-average" }, `The album is ${averageText(data)}.`);
    }
    if (frame.name === "friend.accepted") return h("li", { class: "system" }, "Two people here just became friends.");
    if (frame.name === "review.posted") return h("li", { class: "system" }, "A new review of this album was posted.");
    return h("li", { class: "system" }, frame.name);
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const words = text.value.trim();
    if (!words) return;
    if (connection.send({ type: "say", text: words })) text.value = "";
    else notify("You are offline: your message is kept here until the room is back.", "error");
  });
  text.addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTypingSent > TYPING_SENT_EVERY_MS) {
      lastTypingSent = now;
      connection.send({ type: "typing" });
    }
  });

  show(
    h(
      "section",
      { class: "room" },
      title,
      albumLink,
      status,
      h("div", { class: "room-body" }, h("div", { class: "conversation" }, log, typing, composer), h("aside", { "aria-label": "In this room" }, h("h2", {}, "Here now"), members, rateHolder)),
    ),
  );
  connection.connect();
  return () => connection.close();
}
