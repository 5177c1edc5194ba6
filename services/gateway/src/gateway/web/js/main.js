// The router: #/albums, #/album/7, #/people, #/feed, #/rooms, #/room/3, #/signin.
import { SESSION_EXPIRED, api } from "./api.js";
import { session, signOut } from "./session.js";
import { h, notify } from "./ui.js";
import { albumsView } from "./views/albums.js";
import { albumView } from "./views/album.js";
import { authView } from "./views/auth.js";
import { feedView, peopleView } from "./views/people.js";
import { roomsView } from "./views/rooms.js";
import { roomView } from "./views/room.js";

const routes = {
  albums: albumsView,
  album: albumView,
  people: peopleView,
  feed: feedView,
  rooms: roomsView,
  room: roomView,
  signin: authView,
  signup: authView,
};
const needsSession = new Set(["people", "feed", "rooms", "room"]);
let leaveCurrent = null;

async function route() {
  const [name = "albums", ...rest] = window.location.hash.replace(/^#\/?/, "").split("/");
  const view = routes[name] ? name : "albums";
  if (leaveCurrent) {
    leaveCurrent();
    leaveCurrent = null;
  }
  if (needsSession.has(view) && !session()) {
    rememberWhereTo();
    window.location.hash = "#/signin";
    return;
  }
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.route === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const leave = await routes[view]({ mode: view, params: rest });
  if (typeof leave === "function") leaveCurrent = leave;
  // A new page is announced from its top, unless the person already moved into it.
  const main = document.getElementById("main");
  if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
}

// After signing in, people go on to where they were going.
function rememberWhereTo() {
  if (!/sign(in|up)/.test(window.location.hash)) sessionStorage.setItem("chorus.after-signin", window.location.hash);
}

function renderAccount() {
  const account = document.getElementById("account");
  const current = session();
  if (current) {
    account.replaceChildren(
      h("span", { class: "who" }, `Signed in as ${current.username}`),
      h("button", { type: "button", class: "link", onclick: () => signOut() }, "Sign out"),
    );
  } else {
    account.replaceChildren(h("a", { href: "#/signin" }, "Sign in"), h("a", { href: "#/signup" }, "Sign up"));
  }
}

export async function refreshPending() {
  const badge = document.getElementById("pending-count");
  if (!session()) {
    badge.hidden = true;
    return;
  }
  try {
    const pending = await api("GET", "/api/users/friends/get");
    badge.textContent = String(pending.length);
    badge.setAttribute("aria-label", `${pending.length} pending friend requests`);
    badge.hidden = pending.length === 0;
  } catch {
    badge.hidden = true;
  }
}

window.addEventListener("chorus:session", (event) => {
  renderAccount();
  refreshPending();
  const reason = event.detail?.reason;
  if (reason === "expired") {
    notify(SESSION_EXPIRED, "error");
    rememberWhereTo();
    window.location.hash = "#/signin";
  } else if (reason === "signed-out") {
    notify("You are signed out.");
    window.location.hash = "#/albums";
  }
});
window.addEventListener("hashchange", route);
renderAccount();
refreshPending();
setInterval(refreshPending, 30000);
route();
