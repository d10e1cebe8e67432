// A fediverse test peer built on Fedify, a framework nobody here wrote:
// it looks the newsletter's account up, follows it, and reports what it
// receives, each signature verified by Fedify, one JSON line per event
// on stdout.
//
//   node peer.mjs ACTOR_URL HANDLE
//
// It listens on 127.0.0.1 (a free port) and allows private addresses, as
// the server under test does. Run by TestFediversePeer
// (cmd/morningpost/fediverse_test.go); installed by .ci/deps.
import http from "node:http";
import {
  Accept, Create, Delete, Endpoints, Follow, Person, Update, MemoryKvStore,
  createFederation, exportJwk, generateCryptoKeyPair, importJwk, lookupWebFinger,
} from "@fedify/fedify";

const [actorURL, handle] = process.argv.slice(2);
const say = (event) => process.stdout.write(JSON.stringify(event) + "\n");

const keys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
const federation = createFederation({ kv: new MemoryKvStore(), allowPrivateAddress: true });

federation.setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
  if (identifier !== "alice") return null;
  const pairs = await ctx.getActorKeyPairs(identifier);
  return new Person({
    id: ctx.getActorUri(identifier),
    preferredUsername: identifier,
    name: "Alice (test peer)",
    inbox: ctx.getInboxUri(identifier),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    publicKey: pairs[0].cryptographicKey,
    assertionMethods: pairs.map((p) => p.multikey),
  });
}).setKeyPairsDispatcher(async () => [keys]);

async function report(event, activity) {
  const object = await activity.getObject();
  say({ event, id: activity.id?.href, actor: activity.actorId?.href, object: object ? await object.toJsonLd() : null });
}

federation.setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Accept, async (_ctx, a) => say({ event: "accept", actor: a.actorId?.href, object: a.objectId?.href }))
  .on(Create, (_ctx, a) => report("create", a))
  .on(Update, (_ctx, a) => report("update", a))
  .on(Delete, (_ctx, a) => say({ event: "delete", id: a.id?.href, actor: a.actorId?.href, object: a.objectId?.href }))
  .onError((_ctx, error) => say({ event: "error", error: String(error) }));

let origin;
const server = http.createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = chunks.length && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined;
    const request = new Request(new URL(req.url, origin), { method: req.method, headers: req.headers, body });
    const response = await federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => new Response("not found", { status: 404 }),
      onNotAcceptable: () => new Response("not acceptable", { status: 406 }),
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (e) {
    say({ event: "error", error: String(e) });
    res.writeHead(500);
    res.end();
  }
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
origin = `http://127.0.0.1:${server.address().port}`;
say({ event: "listening", url: origin });

try {
  // WebFinger: by the actor's URL through Fedify (its acct: lookups
  // are https only), and the acct: handle over plain http.
  const wf = await lookupWebFinger(actorURL, { allowPrivateAddress: true });
  const self = wf?.links?.find((l) => l.rel === "self");
  const host = new URL(actorURL).host;
  const acct = await (await fetch(`http://${host}/.well-known/webfinger?resource=acct:${handle.replace(/^@/, "")}`)).json();
  say({ event: "webfinger", self: self?.href, type: self?.type, subject: acct.subject, acctSelf: acct.links?.find((l) => l.rel === "self")?.href });

  const ctx = federation.createContext(new URL(origin), undefined);
  const actor = await ctx.lookupObject(self.href);
  say({
    event: "actor", id: actor?.id?.href, type: actor?.constructor?.name, preferredUsername: actor?.preferredUsername,
    inbox: actor?.inboxId?.href, sharedInbox: actor?.endpoints?.sharedInbox?.href, outbox: actor?.outboxId?.href,
    followers: actor?.followersId?.href, manuallyApprovesFollowers: actor?.manuallyApprovesFollowers,
  });
  await ctx.sendActivity({ identifier: "alice" }, actor, new Follow({
    id: new URL(`${origin}/follows/1`), actor: ctx.getActorUri("alice"), object: actor.id,
  }));
  say({ event: "followed" });
} catch (e) {
  say({ event: "error", error: String(e?.stack ?? e) });
}
