// The sign-in token lives in memory and in this tab's sessionStorage: it survives a
// reload, is gone when the tab closes, is never shared with other tabs or sent
// anywhere but our own API, and the page's Content-Security-Policy allows no script
// but ours to read it.
const KEY = "chorus.session";

let current = load();

function load() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return saved && saved.token ? saved : null; // an expired one is noticed (and said) on first use
  } catch {
    return null;
  }
}

function claims(token) {
  const payload = token.split(".")[1] || "";
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(json);
}

function expired(session) {
  return typeof session.exp === "number" && Date.now() / 1000 >= session.exp - 5;
}

export function session() {
  if (current && expired(current)) {
    signOut("expired");
  }
  return current;
}

export function signIn(token, user) {
  let exp = null;
  try {
    exp = claims(token).exp ?? null;
  } catch {
    exp = null;
  }
  current = { token, exp, id: user.id, username: user.username };
  sessionStorage.setItem(KEY, JSON.stringify(current));
  window.dispatchEvent(new CustomEvent("chorus:session"));
}

export function signOut(reason = "signed-out") {
  current = null;
  sessionStorage.removeItem(KEY);
  window.dispatchEvent(new CustomEvent("chorus:session", { detail: { reason } }));
}
