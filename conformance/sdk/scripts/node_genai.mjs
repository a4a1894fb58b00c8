#!/usr/bin/env node
// Scenario script: @google/genai (Node) 1.x, 2.x and 3.x against an Interactions API server.
//
// Run it through the harness, which starts the mock behind the validating
// proxy and sets the environment:
//
//   iconf client --revision legacy -- node conformance/sdk/scripts/node_genai.mjs      # @google/genai 1.x
//   iconf client --api-version v1 -- node conformance/sdk/scripts/node_genai.mjs       # @google/genai 3.x
//
// @google/genai is imported from ICONF_GENAI_DIR (a directory whose
// node_modules holds it) when set, else resolved as usual. It reads
// GOOGLE_GEMINI_BASE_URL, GEMINI_API_KEY / GOOGLE_API_KEY and
// GOOGLE_GENAI_API_VERSION. Each step checks that the SDK handed back what the
// server sent: the text, function call and status the SDK reports are
// compared with the same interaction fetched raw over HTTP (fetch, no SDK).
// The inputs carry mock directives ([iconf: ...]); a real model reads them as
// plain text. Exit status 0 when every step passed, 1 otherwise.
//
// Today's features are feature-detected, so one script serves every release:
// the Node SDK passes request and answer JSON through untyped, so every
// steps-revision release (2.x and later) runs the tool_search / deferred tier /
// xhigh and newer-step checks; releases that export ContinuationInterruptedError
// continue requires_continuation answers automatically and run the continuation
// steps (unary and streamed). Older releases print `skip <step>: <why>`.
//
// --robustness-case [CASE] (CASE defaults to $ICONF_ROBUSTNESS_CASE, which
// `iconf client --robustness` sets) runs only the streaming and get part, for
// the mock's robustness modes: SDK errors propagate (uncaught, naming the
// SDK's error class), a wrong result exits 1 with `FAIL robustness: ...`.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The installed @google/genai: its directory and its Node ESM entry point.
function locateGenai() {
  const dir = process.env.ICONF_GENAI_DIR;
  if (dir) {
    const pkgDir = path.join(path.resolve(dir), 'node_modules', '@google', 'genai');
    return { pkgDir, entry: pathToFileURL(path.join(pkgDir, 'dist', 'node', 'index.mjs')).href };
  }
  const entry = import.meta.resolve('@google/genai');
  let pkgDir = path.dirname(fileURLToPath(entry));
  while (!fs.existsSync(path.join(pkgDir, 'package.json')) && path.dirname(pkgDir) !== pkgDir) {
    pkgDir = path.dirname(pkgDir);
  }
  return { pkgDir, entry };
}

const located = locateGenai();
const genai = await import(located.entry);
const { GoogleGenAI } = genai;
const VERSION = JSON.parse(fs.readFileSync(path.join(located.pkgDir, 'package.json'), 'utf8')).version;
const MAJOR = Number(VERSION.split('.')[0]);
// 1.x speaks the legacy revision (outputs, content.* events); 2.x and later 2026-05-20 (steps, step.*)
const ITEMS = MAJOR < 2 ? 'outputs' : 'steps';
const API_VERSION = process.env.GOOGLE_GENAI_API_VERSION || (MAJOR < 3 ? 'v1beta' : 'v1');
const BASE_URL = (process.env.GOOGLE_GEMINI_BASE_URL || 'https://generativelanguage.googleapis.com').replace(/\/+$/, '');
const KEY = process.env.GEMINI_API_KEY || process.env.GOOGLE_API_KEY || '';
const MODEL = process.env.ICONF_MODEL || 'gemini-2.5-flash';
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'incomplete', 'requires_action']);
const POLL_TIMEOUT_MS = Number(process.env.ICONF_POLL_TIMEOUT || '30') * 1000;

// the steps revision: request and answer JSON pass through untyped, so today's additions need no typing
const HAS_TODAY = MAJOR >= 2;
// automatic continuation of requires_continuation answers (3.3.0 and later export its error class)
const HAS_CONTINUATION = MAJOR >= 2 && typeof genai.ContinuationInterruptedError === 'function';

class StepFailed extends Error {}
class StepSkipped extends Error {}

function expect(condition, message) {
  if (!condition) throw new StepFailed(message);
}

function plain(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function items(resource) {
  return ((resource && resource[ITEMS]) || []).filter((i) => i && typeof i === 'object');
}

function textOf(resource) {
  let out = '';
  for (const item of items(resource)) {
    if (item.type === 'text') out += item.text || '';
    else if (item.type === 'model_output') {
      for (const c of item.content || []) if (c.type === 'text') out += c.text || '';
    }
  }
  return out;
}

function modelTextOfRaw(body) {
  return textOf({ [ITEMS]: items(body).filter((i) => i.type !== 'user_input') });
}

function functionCalls(resource) {
  return items(resource).filter((i) => i.type === 'function_call');
}

async function raw(method, p) {
  const headers = { 'x-goog-api-key': KEY };
  if (MAJOR >= 2) headers['Api-Revision'] = '2026-05-20';
  const answer = await fetch(`${BASE_URL}/${API_VERSION}/${p}`, {
    method, headers, signal: AbortSignal.timeout(30000),
  });
  const text = await answer.text();
  return [answer.status, text ? JSON.parse(text) : {}];
}

async function serverView(iid) {
  const [status, body] = await raw('GET', `interactions/${iid}`);
  expect(status === 200, `raw GET of ${iid} answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

async function collect(stream) {
  const events = [];
  for await (const event of stream) events.push(plain(event));
  return events;
}

function streamText(events) {
  let out = '';
  for (const e of events) {
    if ((e.event_type === 'content.delta' || e.event_type === 'step.delta') && e.delta && e.delta.type === 'text') {
      out += e.delta.text || '';
    }
  }
  return out;
}

function streamIid(events) {
  for (const e of events) if (e.interaction && e.interaction.id) return e.interaction.id;
  return null;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: BASE_URL, apiVersion: API_VERSION } });
const state = {};
const tool = {
  type: 'function', name: 'get_weather', description: 'The weather in a city.',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const steps = [
  ['create', async () => {
    const r = plain(await ai.interactions.create({ model: MODEL, input: 'Hello from the iconf SDK check.' }));
    expect(r.status === 'completed', `status ${r.status}, expected completed`);
    expect(typeof r.id === 'string' && r.id, 'the interaction has no id');
    const text = textOf(r);
    expect(text, `the SDK returned no text in ${ITEMS}: ${JSON.stringify(r)}`);
    const srv = await serverView(r.id);
    expect(modelTextOfRaw(srv) === text, `SDK text ${JSON.stringify(text)} != server text ${JSON.stringify(modelTextOfRaw(srv))}`);
    state.first = r.id;
  }],
  ['stream', async () => {
    const events = await collect(await ai.interactions.create({
      model: MODEL, input: 'Stream a reply [iconf: chunks=5]', stream: true,
    }));
    const kinds = events.map((e) => e.event_type);
    expect(kinds.length, 'the stream yielded no events');
    const [start, done] = MAJOR < 2 ? ['interaction.start', 'interaction.complete'] : ['interaction.created', 'interaction.completed'];
    expect(kinds[0] === start, `first event ${kinds[0]}, expected ${start}`);
    expect(kinds[kinds.length - 1] === done, `last event ${kinds[kinds.length - 1]}, expected ${done}`);
    const iid = streamIid(events);
    expect(iid, 'no interaction id in the stream');
    const text = streamText(events);
    expect(text, 'the stream carried no text deltas');
    const srv = await serverView(iid);
    expect(modelTextOfRaw(srv) === text, `streamed text ${JSON.stringify(text)} != server text ${JSON.stringify(modelTextOfRaw(srv))}`);
    state.stream = { iid, events };
  }],
  ['stream resume', async () => {
    expect(state.stream, 'the stream step failed, nothing to resume');
    const { iid, events } = state.stream;
    const ids = events.map((e) => e.event_id).filter(Boolean);
    expect(ids.length >= 3, `the stream carried ${ids.length} event ids; cannot resume`);
    const cut = Math.floor(ids.length / 2);
    const replay = await collect(await ai.interactions.get(iid, { stream: true, last_event_id: ids[cut] }));
    const got = replay.map((e) => e.event_id).filter(Boolean);
    const want = ids.slice(cut + 1);
    expect(JSON.stringify(got) === JSON.stringify(want), `resumed after ${ids[cut]}: got ${got}, expected ${want}`);
  }],
  ['background + poll', async () => {
    const r = plain(await ai.interactions.create({
      model: MODEL, input: 'Work in the background [iconf: delay=0.3]', background: true,
    }));
    expect(r.status === 'in_progress', `background create status ${r.status}, expected in_progress`);
    const deadline = Date.now() + POLL_TIMEOUT_MS;
    let g;
    for (;;) {
      g = plain(await ai.interactions.get(r.id));
      if (TERMINAL.has(g.status)) break;
      expect(Date.now() < deadline, `still ${g.status} after ${POLL_TIMEOUT_MS} ms of polling`);
      await sleep(200);
    }
    expect(g.status === 'completed', `background run ended ${g.status}`);
    const srv = await serverView(r.id);
    expect(modelTextOfRaw(g) && modelTextOfRaw(g) === modelTextOfRaw(srv), 'polled text differs from the server\'s');
  }],
  ['get', async () => {
    expect(state.first, 'the create step failed, nothing to get');
    const g = plain(await ai.interactions.get(state.first));
    expect(g.id === state.first, `GET returned id ${g.id}`);
    const srv = await serverView(state.first);
    expect(g.status === srv.status, `status ${g.status} != server ${srv.status}`);
    expect(modelTextOfRaw(g) === modelTextOfRaw(srv), 'GET text differs from the server\'s');
  }],
  ['cancel', async () => {
    const r = plain(await ai.interactions.create({ model: MODEL, input: 'A long job [iconf: delay=30]', background: true }));
    const c = plain(await ai.interactions.cancel(r.id));
    expect(c.status === 'cancelled', `cancel answered status ${c.status}`);
    const g = plain(await ai.interactions.get(r.id));
    expect(g.status === 'cancelled', 'the interaction did not stay cancelled');
  }],
  ['delete', async () => {
    expect(state.first, 'the create step failed, nothing to delete');
    await ai.interactions.delete(state.first);
    let error = null;
    try {
      await ai.interactions.get(state.first);
    } catch (exc) {
      error = exc;
    }
    expect(error, 'GET after DELETE succeeded');
    const code = error.status ?? error.statusCode ?? error.code;
    expect(code === 404 || String(error).includes('404'), `GET after DELETE raised ${error}`);
    const [status] = await raw('GET', `interactions/${state.first}`);
    expect(status === 404, `raw GET after DELETE answered ${status}`);
  }],
  ['previous_interaction_id', async () => {
    const first = plain(await ai.interactions.create({ model: MODEL, input: 'My name is Ada.' }));
    const second = plain(await ai.interactions.create({
      model: MODEL, input: 'What is my name?', previous_interaction_id: first.id,
    }));
    expect(textOf(second).includes('Ada'), `the chained answer does not know the name: ${JSON.stringify(textOf(second))}`);
  }],
  ['function calling round trip', async () => {
    const r = plain(await ai.interactions.create({
      model: MODEL, input: 'What is the weather in Paris? [iconf: function_call]', tools: [tool],
    }));
    expect(r.status === 'requires_action', `status ${r.status}, expected requires_action`);
    const calls = functionCalls(r);
    expect(calls.length === 1, `expected one function_call, got ${JSON.stringify(calls)}`);
    const call = calls[0];
    const srvCalls = functionCalls({ [ITEMS]: (await serverView(r.id))[ITEMS] });
    expect(srvCalls.length && srvCalls[0].id === call.id && srvCalls[0].name === call.name
      && JSON.stringify(srvCalls[0].arguments) === JSON.stringify(call.arguments),
    `SDK function call ${JSON.stringify(call)} != server's ${JSON.stringify(srvCalls)}`);
    expect(call.name === 'get_weather', `called ${call.name}`);
    const answer = plain(await ai.interactions.create({
      model: MODEL, previous_interaction_id: r.id, tools: [tool],
      input: [{ type: 'function_result', call_id: call.id, name: call.name, result: { temperature_c: 21, sky: 'clear' } }],
    }));
    expect(answer.status === 'completed', `after the function result: status ${answer.status}`);
    expect(textOf(answer), 'no text after the function result');
  }],
];

function modelItems(resource) {
  return items(resource).filter((i) => i.type !== 'user_input');
}

const kindsOf = (resource) => modelItems(resource).map((i) => i.type);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const LONG_INPUT = 'Tell me a long story [iconf: long=6, continuation=16]';

steps.push(
  ['tool_search, deferred tier, xhigh', async () => {
    if (!HAS_TODAY) throw new StepSkipped('the legacy revision has no tool_search, deferred tier or xhigh');
    const lookup = {
      type: 'function', name: 'lookup_word', description: 'Looks a word up.', defer_loading: true,
      parameters: { type: 'object', properties: { word: { type: 'string' } } },
    };
    const r = plain(await ai.interactions.create({
      model: MODEL, input: 'Find the right tool [iconf: thought, tool_search]', tools: [lookup, { type: 'tool_search' }],
      service_tier: 'deferred', generation_config: { thinking_level: 'xhigh' },
    }));
    expect(r.status === 'completed', `status ${r.status}, expected completed`);
    const kinds = kindsOf(r);
    expect(same(kinds, ['thought', 'tool_search_call', 'tool_search_result', 'model_output']), `steps ${kinds}`);
    const srv = await serverView(r.id);
    expect(same(kinds, kindsOf(srv)), `SDK steps ${kinds} != server steps ${kindsOf(srv)}`);
    const found = (modelItems(r)[2].result || []).map((f) => f.name);
    expect(same(found, ['lookup_word']), `tool_search_result found ${found}`);
    expect(r.service_tier === 'deferred', `service_tier ${r.service_tier} not echoed`);
    expect(textOf(r) === modelTextOfRaw(srv), 'SDK text differs from the server\'s');
  }],
  ['newer steps', async () => {
    if (!HAS_TODAY) throw new StepSkipped('the legacy revision has no retrieval/processing steps');
    const r = plain(await ai.interactions.create({
      model: MODEL, input: 'Look it up [iconf: retrieval, processing, transcript, output_error]',
      tools: [{ type: 'retrieval', retrieval_types: ['rag_store'] }],
    }));
    const srv = await serverView(r.id);
    const kinds = kindsOf(r);
    expect(same(kinds, ['retrieval_call', 'retrieval_result', 'processing_call', 'processing_result', 'model_output']),
      `steps ${kinds}`);
    expect(same(kinds, kindsOf(srv)), 'SDK steps differ from the server\'s');
    expect(modelItems(r)[0].retrieval_type === 'rag_store', `retrieval step ${JSON.stringify(modelItems(r)[0])}`);
    const output = modelItems(r)[4];
    const annotations = (output.content || []).flatMap((c) => (c.annotations || []).map((a) => a.type));
    expect(same(annotations, ['speech_metadata', 'word_info']), `annotations ${annotations}`);
    expect(output.error && output.error.code === modelItems(srv)[4].error.code, `model_output.error ${JSON.stringify(output.error)}`);
    expect(same((r.errors || []).map((e) => e.code), (srv.errors || []).map((e) => e.code)), `errors[] ${JSON.stringify(r.errors)}`);
  }],
  ['continuation', async () => {
    if (!HAS_CONTINUATION) throw new StepSkipped('this release has no automatic continuation');
    const r = plain(await ai.interactions.create({ model: MODEL, input: LONG_INPUT }));
    expect(r.status === 'completed', `status ${r.status} after automatic continuation`);
    const ids = r.continuation_ids || [];
    expect(ids.length >= 2 && ids[ids.length - 1] === r.id, `continuation_ids ${ids} (id ${r.id})`);
    const hops = [];
    for (const id of ids) hops.push(await serverView(id));
    const statuses = hops.map((h) => h.status);
    expect(same(statuses.slice(0, -1), statuses.slice(0, -1).map(() => 'requires_continuation')), `hop statuses ${statuses}`);
    const whole = hops.map(modelTextOfRaw).join('');
    expect(textOf(r) === whole, `merged text ${JSON.stringify(textOf(r))} != the hops' text ${JSON.stringify(whole)}`);
    expect(whole.includes('Sentence 6 of 6'), `the answer stopped early: ${JSON.stringify(whole)}`);
  }],
  ['continuation (stream)', async () => {
    if (!HAS_CONTINUATION) throw new StepSkipped('this release has no automatic continuation');
    const events = await collect(await ai.interactions.create({ model: MODEL, input: LONG_INPUT, stream: true }));
    const ends = events.filter((e) => e.event_type === 'interaction.completed').map((e) => e.interaction);
    const statuses = ends.map((i) => i.status);
    expect(ends.length >= 2 && statuses[statuses.length - 1] === 'completed'
      && statuses.slice(0, -1).every((s) => s === 'requires_continuation'), `hop statuses ${statuses}`);
    let whole = '';
    for (const end of ends) whole += modelTextOfRaw(await serverView(end.id));
    expect(streamText(events) === whole, `streamed text ${JSON.stringify(streamText(events))} != the hops' text ${JSON.stringify(whole)}`);
    expect(whole.includes('Sentence 6 of 6'), `the answer stopped early: ${JSON.stringify(whole)}`);
  }],
);

async function robustness(kase) {
  console.log(`iconf-client: @google/genai ${VERSION}`);
  console.log(`robustness case ${kase || '(none)'} (${ITEMS}, /${API_VERSION}) against ${BASE_URL}`);
  const [start, done] = MAJOR < 2 ? ['interaction.start', 'interaction.complete'] : ['interaction.created', 'interaction.completed'];
  const events = [];
  let broke = null;
  try {
    const stream = await ai.interactions.create({ model: MODEL, input: 'Stream a reply [iconf: chunks=5]', stream: true });
    for await (const event of stream) events.push(plain(event));
  } catch (exc) {
    // only a dropped connection may be caught: the application resumes
    if (kase !== 'drop-and-resume' || !events.length) throw exc;
    broke = exc;
  }
  let kinds = events.map((e) => e.event_type);
  if (kase === 'mid-stream-error') {
    const errors = events.filter((e) => e.event_type === 'error');
    expect(errors.length, `the stream ended without an error the application could see: ${kinds}`);
    console.log(`the SDK handed the error event to the application: ${JSON.stringify(errors[errors.length - 1])}`);
    return;
  }
  if (kase === 'drop-and-resume') {
    expect(broke || kinds.includes(done), `the SDK ended a cut stream silently: ${kinds}`);
    if (broke) {
      const ids = events.map((e) => e.event_id).filter(Boolean);
      console.log(`iconf-caught: ${(broke && broke.constructor && broke.constructor.name) || (broke && broke.name)}`);
      console.log(`the stream broke with ${broke && broke.name}: ${broke && broke.message}; resuming after ${ids[ids.length - 1]}`);
      const rest = await ai.interactions.get(streamIid(events), { stream: true, last_event_id: ids[ids.length - 1] });
      for await (const event of rest) events.push(plain(event));
      kinds = events.map((e) => e.event_type);
    }
  }
  expect(kinds[0] === start, `first event ${kinds[0]}, expected ${start}`);
  expect(kinds[kinds.length - 1] === done, `last event ${kinds[kinds.length - 1]}, expected ${done}`);
  const iid = streamIid(events);
  const text = streamText(events);
  expect(iid && text, `no interaction id or no text in the stream: ${kinds}`);
  const got = plain(await ai.interactions.get(iid));
  expect(got.status === 'completed', `GET status ${got.status}`);
  expect(modelTextOfRaw(got) === text, `GET text ${JSON.stringify(modelTextOfRaw(got))} != streamed ${JSON.stringify(text)}`);
  if (kase !== 'rate-limit' && kase !== 'unavailable') { // the raw helper does not retry
    const srv = await serverView(iid);
    expect(modelTextOfRaw(srv) === text, `streamed text ${JSON.stringify(text)} != server text ${JSON.stringify(modelTextOfRaw(srv))}`);
  }
  console.log(`ok robustness ${kase}: ${events.length} events, ${items(got).length} ${ITEMS}`);
}

const robustAt = process.argv.indexOf('--robustness-case');
if (robustAt >= 0) {
  const next = process.argv[robustAt + 1];
  const kase = (next && !next.startsWith('-') ? next : '') || process.env.ICONF_ROBUSTNESS_CASE || '';
  try {
    await robustness(kase);
  } catch (exc) {
    if (!(exc instanceof StepFailed)) throw exc;
    console.log(`FAIL robustness ${kase}: ${exc.message}`);
    process.exit(1);
  }
  process.exit(0);
}

console.log(`@google/genai ${VERSION} (${ITEMS}, /${API_VERSION}) against ${BASE_URL}`);
let failed = 0;
let skipped = 0;
for (const [name, step] of steps) {
  try {
    await step();
    console.log(`ok   ${name}`);
  } catch (exc) {
    if (exc instanceof StepSkipped) {
      skipped += 1;
      console.log(`skip ${name}: ${exc.message}`);
      continue;
    }
    failed += 1;
    const why = exc instanceof StepFailed ? exc.message : `the SDK raised ${exc && exc.name}: ${exc && exc.message}`;
    console.log(`FAIL ${name}: ${why}`);
    if (process.env.ICONF_DEBUG && !(exc instanceof StepFailed)) console.error(exc);
  }
}
const ran = steps.length - skipped;
console.log(`${ran - failed}/${ran} steps passed${skipped ? ` (${skipped} skipped)` : ''}`);
process.exit(failed ? 1 : 0);
