import { api } from "../api.js";
import { refreshPending } from "../main.js";
import { act, h, notify, show, stars } from "../ui.js";

export async function peopleView() {
  const uname = h("input", { id: "uname", type: "search", required: true, maxlength: 32, placeholder: "Part of a username" });
  const find = h("button", { type: "submit" }, "Find");
  const found = h("ul", { class: "people", "aria-live": "polite", "aria-label": "People found" });
  const search = h("form", { role: "search", class: "filters", "aria-label": "Search people" }, h("div", {}, h("label", { for: "uname" }, "Find people"), uname), find);
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    act(find, async () => {
      const people = await api("GET", "/api/users/friends/search", { query: { uname: uname.value.trim() } });
      found.replaceChildren(...(people.length ? people.map(personToAdd) : [h("li", { class: "empty" }, "Nobody by that name.")]));
    });
  });
  const pendingHeading = h("h2", { id: "pending-heading" }, "Friend requests");
  const pending = h("ul", { class: "people", "aria-labelledby": "pending-heading" });
  const friends = h("ul", { class: "people", "aria-label": "Your friends" });

  async function loadLists() {
    const [requests, mine] = await Promise.all([api("GET", "/api/users/friends/get"), api("GET", "/api/users/friends")]);
    pendingHeading.textContent = `Friend requests (${requests.length})`;
    pending.replaceChildren(...(requests.length ? requests.map((person) => request(person, loadLists)) : [h("li", { class: "empty" }, "No requests waiting.")]));
    friends.replaceChildren(...(mine.length ? mine.map((person) => h("li", {}, person.username)) : [h("li", { class: "empty" }, "No friends yet: find someone above.")]));
    refreshPending();
  }
  show(h("section", {}, h("h1", {}, "People"), search, found, pendingHeading, pending, h("h2", {}, "Friends"), friends));
  await act(null, loadLists);
}

function personToAdd(person) {
  const add = h("button", { type: "button", class: "small" }, "Send friend request");
  add.addEventListener("click", () =>
    act(add, async () => {
      await api("POST", `/api/users/friends/req/${person.id}`);
      add.textContent = "Request sent";
      add.disabled = true;
      notify(`Friend request sent to ${person.username}.`);
    }),
  );
  return h("li", {}, h("span", {}, person.username), add);
}

function request(person, reload) {
  const answer = (accepted, button) =>
    act(button, async () => {
      await api("POST", "/api/users/friends/add", { query: { id: person.id, accepted } });
      notify(accepted ? `You and ${person.username} are friends now.` : `Declined ${person.username}'s request.`);
      await reload();
    });
  const accept = h("button", { type: "button", class: "small" }, "Accept");
  const decline = h("button", { type: "button", class: "small secondary" }, "Decline");
  accept.setAttribute("aria-label", `Accept ${person.username}'s request`);
  decline.setAttribute("aria-label", `Decline ${person.username}'s request`);
  accept.addEventListener("click", () => answer(true, accept));
  decline.addEventListener("click", () => answer(false, decline));
  return h("li", {}, h("span", {}, person.username), accept, decline);
}

export async function feedView() {
  const list = h("ol", { class: "feed", "aria-label": "Recent ratings and reviews by your friends" });
  show(h("section", {}, h("h1", {}, "Friends feed"), list));
  await act(null, async () => {
    const items = await api("GET", "/api/reviews/feed", { query: { limit: 50 } });
    list.replaceChildren(
      ...(items.length
        ? items.map((item) =>
            h(
              "li",
              {},
              h("strong", {}, item.user.username || `user ${item.user.id}`),
              ` rated `,
              h("a", { href: `#/album/${item.album_id}` }, `album ${item.album_id}`),
              ` ${stars(item.score)} ${item.score}`,
              item.text ? h("p", { class: "review-text" }, item.spoiler ? "(review with spoilers: open the album to read it)" : item.text) : null,
            ),
          )
        : [h("li", { class: "empty" }, "Nothing from your friends yet.")]),
    );
  });
}
