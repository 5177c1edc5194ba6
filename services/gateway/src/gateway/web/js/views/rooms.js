import { api } from "../api.js";
import { act, h, show, stars } from "../ui.js";

export async function roomsView() {
  const min = h("input", { id: "min-rating", type: "number", min: 0, max: 5, step: 0.5, placeholder: "0" });
  const max = h("input", { id: "max-rating", type: "number", min: 0, max: 5, step: 0.5, placeholder: "5" });
  const friendsOnly = h("input", { id: "friends-only", type: "checkbox" });
  const apply = h("button", { type: "submit" }, "Show rooms");
  const list = h("ul", { class: "rooms", "aria-live": "polite", "aria-label": "Live rooms" });
  const form = h(
    "form",
    { class: "filters", "aria-label": "Filter rooms" },
    h("div", {}, h("label", { for: "min-rating" }, "Album rating from"), min),
    h("div", {}, h("label", { for: "max-rating" }, "to"), max),
    h("label", { class: "inline" }, friendsOnly, " Only rooms my friends are in"),
    apply,
  );
  async function load() {
    const rooms = await api("GET", "/api/games/discover", {
      query: { min_rating: min.value, max_rating: max.value, friends_only: friendsOnly.checked ? "true" : "" },
    });
    list.replaceChildren(
      ...(rooms.length
        ? rooms.map((room) =>
            h(
              "li",
              { class: "room-row" },
              h("a", { href: `#/room/${room.lobby_id}` }, h("strong", {}, room.title || `Room ${room.lobby_id}`)),
              h("span", { class: "score" }, `${stars(room.avg_rating)} ${room.avg_rating.toFixed(1)}`),
              h("span", { class: "meta" }, `${room.members} ${room.members === 1 ? "member" : "members"}`),
              room.friends_in ? h("span", { class: "badge friends" }, "Friends here") : null,
            ),
          )
        : [h("li", { class: "empty" }, "No live rooms match. Open one from an album's page.")]),
    );
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(apply, load);
  });
  show(h("section", {}, h("h1", {}, "Live rooms"), form, list));
  await act(null, load);
}
