import { api } from "../api.js";
import { session, signIn } from "../session.js";
import { act, h, notify, show } from "../ui.js";

export function authView({ mode }) {
  const signingUp = mode === "signup";
  if (session()) {
    window.location.hash = "#/albums";
    return;
  }
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true, minlength: 3, maxlength: 32, pattern: "[A-Za-z0-9_.\\-]+" });
  const password = h("input", {
    id: "password",
    name: "password",
    type: "password",
    autocomplete: signingUp ? "new-password" : "current-password",
    required: true,
    minlength: signingUp ? 8 : 1,
  });
  const submit = h("button", { type: "submit" }, signingUp ? "Create account" : "Sign in");
  const form = h(
    "form",
    { class: "card narrow", "aria-labelledby": "auth-title" },
    h("h1", { id: "auth-title" }, signingUp ? "Create your account" : "Sign in"),
    h("label", { for: "username" }, "Username"),
    username,
    h("label", { for: "password" }, "Password"),
    password,
    signingUp ? h("p", { class: "hint" }, "At least 8 characters.") : null,
    submit,
    h(
      "p",
      {},
      signingUp ? "Already have an account? " : "New here? ",
      h("a", { href: signingUp ? "#/signin" : "#/signup" }, signingUp ? "Sign in" : "Create an account"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(submit, async () => {
      const credentials = { username: username.value.trim(), password: password.value };
      if (signingUp) {
        await api("POST", "/api/users/auth/signup", { body: credentials, auth: false });
      }
      const signed = await api("POST", "/api/users/auth/signin", { body: credentials, auth: false });
      signIn(signed.auth_token, { id: null, username: credentials.username });
      const me = await api("GET", "/api/users/me");
      signIn(signed.auth_token, me);
      notify(signingUp ? `Welcome to Chorus, ${me.username}.` : `Welcome back, ${me.username}.`);
      const next = sessionStorage.getItem("chorus.after-signin");
      sessionStorage.removeItem("chorus.after-signin");
      window.location.hash = next && !next.includes("sign") ? next : "#/albums";
    });
  });
  show(form);
  username.focus();
}
