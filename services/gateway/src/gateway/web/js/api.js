// Every call to the public API (contract.md) goes through here: the token, a time
// limit, and errors turned into sentences people understand.
import { session, signOut } from "./session.js";

const TIMEOUT_MS = 15000;
export const SESSION_EXPIRED = "Your session has expired. Please sign in again.";

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

const PLAIN = {
  400: "That request was not right.",
  401: "Please sign in.",
  403: "That is not yours to change.",
  404: "That could not be found.",
  409: "That already exists.",
  413: "That is too large to send.",
  422: "Some of what you entered is not valid.",
  503: "Part of Chorus is unavailable right now. Try again in a moment.",
};

function explain(status, body, retryAfter) {
  if (status === 429) {
    return `You are going a little fast. Try again in ${retryAfter ?? "a few"} seconds.`;
  }
  const error = body && body.error;
  if (error && error.message) {
    return error.message.charAt(0).toUpperCase() + error.message.slice(1);
  }
  return PLAIN[status] || "Something went wrong. Try again.";
}

export async function api(method, path, { body, query, auth = true } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: "application/json" };
  const current = session();
  if (auth && current) headers.Authorization = `Bearer ${current.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: abort.signal,
    });
  } catch {
    throw new ApiError(0, "network", "The network is slow or offline. Check your connection and try again.");
  } finally {
    clearTimeout(timer);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const retryAfter = response.headers.get("Retry-After");
    if (response.status === 401 && current) {
      // The token ran out or was refused: the same plain word, wherever it shows.
      signOut("expired");
      throw new ApiError(401, "session_expired", SESSION_EXPIRED);
    }
    throw new ApiError(response.status, data?.error?.code || "error", explain(response.status, data, retryAfter), retryAfter);
  }
  return data;
}
