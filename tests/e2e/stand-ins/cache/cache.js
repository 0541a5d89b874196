// Stand-in for actions/cache: a folder per key under $MODELCI_E2E_CACHE.
// Run as main (restore) and as post (save); GITHUB_STATE tells the post step what main found.
"use strict";
const fs = require("fs");
const path = require("path");

const store = process.env.MODELCI_E2E_CACHE;
if (!store) {
  console.log("::error::cache stand-in: the e2e harness sets MODELCI_E2E_CACHE");
  process.exit(1);
}
const input = (name) => (process.env[`INPUT_${name.toUpperCase()}`] || "").trim();
const lines = (text) => text.split("\n").map((l) => l.trim()).filter(Boolean);
const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
const paths = lines(input("path")).map((p) =>
  path.resolve(workspace, p.replace(/^~(?=\/|$)/, process.env.HOME || "~"))
);
const key = input("key");
const slot = (k) => path.join(store, k.replace(/[^A-Za-z0-9._-]/g, "_"));
// Each cached path is stored under its index, so several paths never clash.
const entry = (dir, i) => path.join(dir, String(i));
const isPost = Boolean(process.env.STATE_restored !== undefined || process.env.STATE_key);

if (!isPost) {
  const exact = fs.existsSync(slot(key));
  let found = exact ? key : "";
  if (!found) {
    for (const prefix of lines(input("restore-keys"))) {
      const base = prefix.replace(/[^A-Za-z0-9._-]/g, "_");
      const hits = fs.existsSync(store)
        ? fs.readdirSync(store).filter((d) => d.startsWith(base)).sort()
        : [];
      if (hits.length) {
        found = hits[hits.length - 1];
        break;
      }
    }
  }
  if (found) {
    const dir = path.join(store, found.replace(/[^A-Za-z0-9._-]/g, "_"));
    paths.forEach((p, i) => {
      if (fs.existsSync(entry(dir, i))) {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.cpSync(entry(dir, i), p, { recursive: true, force: true });
      }
    });
    console.log(`Cache restored from key: ${found}`);
  } else {
    console.log(`Cache not found for input keys: ${key}`);
  }
  fs.appendFileSync(process.env.GITHUB_STATE, `key=${key}\nrestored=${found}\n`);
  fs.appendFileSync(process.env.GITHUB_OUTPUT, `cache-hit=${exact}\n`);
} else {
  if (process.env.STATE_restored === key) {
    console.log(`Cache hit occurred on the primary key ${key}, not saving cache.`);
    process.exit(0);
  }
  const dir = slot(key);
  const tmp = `${dir}.tmp-${process.pid}`;
  paths.forEach((p, i) => {
    if (fs.existsSync(p)) fs.cpSync(p, entry(tmp, i), { recursive: true });
  });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    fs.renameSync(tmp, dir);
    console.log(`Cache saved with key: ${key}`);
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    console.log(`Cache not saved (${key} exists already)`);
  }
}
