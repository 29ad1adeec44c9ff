'use strict';
/*
 * A small library for writing a nunchi node in Node.js (docs/protocol.md, version 1).
 *
 * A node connects one ZeroMQ DEALER socket to a coordinator (`nunchi serve SCENARIO
 * --bind tcp://...`), says Hello, is given agents in a Welcome, answers each round's Tick
 * with one Actions, and leaves on Bye. This module holds that session, nunchi's
 * counter-based random generator and its digest arithmetic (uint64 arithmetic is done on
 * BigInt masked to 64 bits; doubles are IEEE binary64 in the C code's operation order),
 * so that a behaviour written in JavaScript gives, draw for draw, the digest of the same
 * behaviour run by the built-in C node.
 *
 * The schema proto/nunchi.proto is loaded at run time with protobufjs (no generated
 * code), from --proto FILE, $NUNCHI_PROTO, else ../../proto/nunchi.proto beside this file.
 * The npm packages `zeromq` (v6) and `protobufjs` are in clients/node/node_modules
 * (`npm ci --prefix clients/node`).
 *
 * A behaviour is an object with `name`, `params` (a list of [name, default, min, max])
 * and a method `step(agent)`; see deffuant.js. An agent may say one short text a round
 * (`agent.say(text)`: at most 280 bytes of UTF-8, no NUL), which goes with every message
 * it sends that round; each delivery of its inbox has the sender's text (`m.text`, null
 * when the sender said none); see talker.js.
 */

const fs = require('fs');
const path = require('path');

const M = (1n << 64n) - 1n;
const PROTOCOL_VERSION = 1;
const STREAM_BEHAVIOUR = 4n;
const STREAM_TRAITS = 5n;
const EXTERNAL = 'external'; // the behaviour of a population hosted by the nodes that claim it
const RESUME_BEATS = 3; // silent heartbeat intervals before asking to resume
const NOTICE_TREND = 10;
const TEXT_BYTES = 280; // the longest text an agent may say, in bytes of UTF-8 (NN_TEXT_BYTES)
const MAX_MESSAGE_BYTES = 1 << 30;
const PROG = 'nunchi-nodejs';

// nn_err_t codes used here
const EINVAL = 2;
const EPROTO = 4;

// ---------------------------------------------------------------- arithmetic

/** nn_mix64: SplitMix64's finaliser on a uint64 (a BigInt in [0, 2^64)). */
function mix64(z) {
  z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & M;
  z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & M;
  return z ^ (z >> 31n);
}

const f64 = new DataView(new ArrayBuffer(8));

function doubleBits(x) {
  f64.setFloat64(0, x, true);
  return f64.getBigUint64(0, true);
}

/** nn_digest_agent: the hash of one agent's opinion (-0.0 hashes as +0.0). */
function digestAgent(agentId, x) {
  if (x === 0) x = 0;
  const h = mix64((BigInt(agentId) * 0x9E3779B97F4A7C15n + 0x632BE59BD9B4E019n) & M);
  return mix64(h ^ doubleBits(x));
}

/** nn_digest_agent_full: with the agent's trends and memory words (BigInt). */
function digestAgentFull(agentId, x, trends = 0n, memory = 0n) {
  let h = digestAgent(agentId, x);
  if (trends || memory) {
    const k = ((((BigInt(agentId) << 1n) | 1n) * 0xD6E8FEB86659FD93n) & M) ^ trends;
    h = (h + mix64(mix64(k) ^ ((memory * 0x9E3779B97F4A7C15n) & M))) & M;
  }
  return h;
}

/** nn_rng_stream_key: the part of a key that depends on (seed, stream) only. */
function streamKey(seed, stream) {
  const k = mix64((BigInt(seed) + 0x9E3779B97F4A7C15n) & M);
  return mix64(k ^ ((BigInt(stream) * 0xD1B54A32D192ED03n) & M));
}

/** nn_rng_init_keyed: the key of (stream key, agent, round). */
function rngKey(skey, agent, rnd) {
  const k = mix64(skey ^ ((BigInt(agent) * 0xAEF17502108EF2D9n) & M));
  return mix64(k ^ ((BigInt(rnd) * 0xF1357AEA2E62A9C5n) & M));
}

const TWO_M53 = 2 ** -53;

/** nunchi's counter-based generator positioned at draw 0 of a key. */
class Rng {
  constructor(key) {
    this.key = key;
    this.draw = 0n;
  }

  static of(seed, stream, agent, rnd) {
    return new Rng(rngKey(streamKey(seed, stream), agent, rnd));
  }

  u64() {
    this.draw += 1n;
    return mix64((this.key + this.draw * 0x9E3779B97F4A7C15n) & M);
  }

  unit() {
    return Number(this.u64() >> 11n) * TWO_M53;
  }

  /** An integer in [0, n) without bias (Lemire's method with rejection); n a Number. */
  below(n) {
    const bn = BigInt(n);
    const threshold = ((1n << 64n) - bn) % bn;
    for (;;) {
      const m = this.u64() * bn;
      const lo = m & M;
      if (lo >= bn || lo >= threshold) return Number(m >> 64n);
    }
  }

  normal() {
    const u1 = 1.0 - this.unit();
    const u2 = this.unit();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(6.283185307179586 * u2);
  }
}

/** The test vectors of docs/protocol.md; throws an Error naming the first mismatch. */
function selfTest() {
  const r = Rng.of(42n, STREAM_BEHAVIOUR, 7, 1);
  const s = (digestAgent(7, 0.5) + digestAgent(8, 0.25) + digestAgent(9, 1.0)) & M;
  const checks = [
    ['mix64(1)', mix64(1n), 0x5692161D100B05E5n],
    ['digestAgent(7, 0.5)', digestAgent(7, 0.5), 0xED245293B7FCE3B1n],
    ['digestAgent(0, -0.0)', digestAgent(0, -0.0), 0x58016DF76F315627n],
    ['digestAgent(0, 0.0)', digestAgent(0, 0.0), 0x58016DF76F315627n],
    ['node digest of 7, 8, 9', s, 0x665006962D239DFCn],
    ['digestAgentFull(7, 0.5, 0, 0)', digestAgentFull(7, 0.5, 0n, 0n), digestAgent(7, 0.5)],
    ['digestAgentFull(7, 0.5, 5, 0)', digestAgentFull(7, 0.5, 5n, 0n), 0xDD796722EA8F13EDn],
    ['digestAgentFull(7, 0.5, 0, 42)', digestAgentFull(7, 0.5, 0n, 42n), 0x1BAE157468F2FC71n],
    ['digestAgentFull(7, 0.5, 5, 42)', digestAgentFull(7, 0.5, 5n, 42n), 0xD274BC922B9D7EEFn],
    ['key(42, 4, 7, 1)', r.key, 0xCA7F5C75C2DCDE24n],
    ['draw 0', r.u64(), 0x6634E1DD255942DDn],
    ['draw 1', r.u64(), 0x1FE7365407215665n],
    ['unit() at draw 0', new Rng(r.key).unit(), 0.39924441956586509],
    ['below(16) at draw 0', new Rng(r.key).below(16), 6],
  ];
  for (const [what, got, want] of checks) {
    if (got !== want) {
      const show = (v) => (typeof v === 'bigint' ? '0x' + v.toString(16) : String(v));
      throw new Error(`nunchi_agent self-test: ${what} is ${show(got)}, not ${show(want)}`);
    }
  }
}

// ---------------------------------------------------------------- texts

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** null when text (a string, or a Buffer/Uint8Array of UTF-8) is one an agent may say,
 * else what is wrong with it (nn_text_valid: at most TEXT_BYTES bytes of well-formed
 * UTF-8, no NUL). */
function textProblem(text) {
  let raw;
  if (typeof text === 'string') {
    // a lone surrogate would be encoded as U+FFFD without a word
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)) {
      return 'it is not well-formed UTF-8 (a lone surrogate)';
    }
    raw = Buffer.from(text, 'utf8');
  } else if (text instanceof Uint8Array) {
    raw = text;
    try {
      utf8.decode(raw);
    } catch (e) {
      return 'it is not well-formed UTF-8';
    }
  } else {
    return `it is not a string (${text === null ? 'null' : typeof text})`;
  }
  if (raw.length > TEXT_BYTES) {
    return `it has ${raw.length} bytes of UTF-8, more than ${TEXT_BYTES}`;
  }
  const nul = raw.indexOf(0);
  if (nul >= 0) return `it has a NUL at byte ${nul}`;
  return null;
}

/** A text an agent may not say (Agent.say refuses it before anything is sent). */
class TextError extends Error {}

// ---------------------------------------------------------------- agents

/** What a behaviour's step sees and changes (nn_agent_t). */
class Agent {
  /** Says text this round (a later call in the same step replaces it; null takes it
   * back): it goes with every message the agent sends this round. Throws a TextError,
   * naming the agent and round, for a text of more than 280 bytes of UTF-8, one with a
   * NUL, or one that is not well-formed UTF-8 (nothing is sent then). */
  say(text) {
    if (text === null || text === undefined) {
      this.said = null;
      return;
    }
    const why = textProblem(text);
    if (why !== null) {
      const shown = typeof text === 'string' ? text : String(text);
      throw new TextError(`agent ${this.id} in round ${this.round} may not say ` +
        `${JSON.stringify(shown.length > 40 ? shown.slice(0, 40) + '...' : shown)}: ${why} ` +
        `(a text is at most ${TEXT_BYTES} bytes of UTF-8 without NUL)`);
    }
    this.said = typeof text === 'string' ? text : utf8.decode(text);
  }

  /** Sends value to agent `to` (seq is the order of sends in this step). */
  send(to, value) {
    this.out.push([to, value]);
  }

  /** nn_send_random: to one neighbour drawn uniformly; nothing without neighbours. */
  sendRandom(value) {
    if (this.nbrs.length) this.send(this.nbrs[this.rng.below(this.nbrs.length)], value);
  }

  sendAll(value) {
    for (const n of this.nbrs) this.send(n, value);
  }
}

class ProtocolError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** A protobufjs 64-bit value (Long or number) as a BigInt. */
function big(v) {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  return BigInt(v.toString());
}

/** Per parameter of the behaviour (its own order): [dist, a, b, key, lo, hi]; a parameter
 * the Population does not list takes its default as a constant. A drawn parameter is keyed
 * by its index in the behaviour's own list (node/node.c does the same), whatever order
 * the Population lists the parameters in. */
function resolveParams(behaviour, pop, seed) {
  const what = pop.behaviour === EXTERNAL ? pop.name : pop.behaviour;
  const names = pop.param_name || [];
  const values = pop.param_value || [];
  const n = names.length;
  const dists = pop.param_dist && pop.param_dist.length ? pop.param_dist : new Array(n).fill(0);
  const bs = pop.param_b && pop.param_b.length ? pop.param_b : new Array(n).fill(0.0);
  if (values.length !== n || dists.length !== n || bs.length !== n) {
    throw new ProtocolError(EPROTO, `welcome: population '${what}' has parameter ` +
      'arrays of unequal length');
  }
  const given = new Map();
  for (let i = 0; i < n; i++) given.set(names[i], [dists[i], values[i], bs[i], i]);
  const known = new Set(behaviour.params.map((p) => p[0]));
  for (const name of given.keys()) {
    if (!known.has(name)) {
      throw new ProtocolError(EINVAL, `welcome: population '${what}': behaviour ` +
        `'${behaviour.name}' has no parameter '${name}' (it has: ` +
        `${[...known].sort().join(', ') || 'none'})`);
    }
  }
  const out = [];
  for (const [key, [name, def, lo, hi]] of behaviour.params.entries()) {
    const [dist, a, b] = given.get(name) || [0, def, 0.0, 0];
    if (dist > 2) {
      throw new ProtocolError(EPROTO, `welcome: parameter '${name}' has distribution ` +
        `${dist} (0, 1 or 2)`);
    }
    out.push([dist, a, b, key, lo, hi]);
  }
  const tkey = streamKey(seed, STREAM_TRAITS);
  const paramsOf = (agentId) => out.map(([dist, a, b, key, lo, hi]) => {
    let v = a;
    if (dist !== 0) {
      const g = new Rng(rngKey(tkey, agentId, key));
      if (dist === 1) v = a + (b - a) * g.unit();
      else v = a + b * g.normal();
      v = v < lo ? lo : v > hi ? hi : v;
    }
    return v;
  });
  const constant = out.every(([d]) => d === 0);
  return { paramsOf, constant };
}

/** The behaviour that runs a Population: its own, or for an external population
 * (behaviour "external") the one this node claimed its name for. */
function behaviourOf(pop, behaviours, claims) {
  if (pop.behaviour === EXTERNAL) {
    const b = claims.get(pop.name);
    if (!b) {
      throw new ProtocolError(EINVAL, `welcome: external population '${pop.name}' is not ` +
        `one this node claims (it claims: ${[...claims.keys()].sort().join(', ') || 'none'})`);
    }
    return b;
  }
  const b = behaviours.get(pop.behaviour);
  if (!b) {
    throw new ProtocolError(EINVAL, `welcome: behaviour '${pop.behaviour}' is not one ` +
      `this node runs (it runs: ${[...behaviours.keys()].sort().join(', ')})`);
  }
  return b;
}

/** The agents a Welcome assigned, stepped one round at a time (node/node.c). */
class Node {
  constructor(welcome, behaviours, claims = new Map()) {
    if (welcome.dim !== 1) {
      throw new ProtocolError(EPROTO, `welcome: dim is ${welcome.dim} (1 in protocol v1)`);
    }
    this.seed = big(welcome.seed);
    this.rounds = big(welcome.rounds);
    this.ids = Array.from(welcome.agent);
    const n = this.ids.length;
    if (welcome.state.length !== n || welcome.population.length !== n ||
        welcome.neighbour_offset.length !== n + 1) {
      throw new ProtocolError(EPROTO, `welcome: per-agent arrays do not match ${n} agents`);
    }
    this.state = Array.from(welcome.state);
    this.trends = new Array(n).fill(0n);
    this.memory = new Array(n).fill(0n);
    this.role = welcome.role.length ? Array.from(welcome.role) : new Array(n).fill(0);
    this.group = welcome.group.length ? Array.from(welcome.group) : new Array(n).fill(0);
    const sup = welcome.superior.length ? welcome.superior : new Array(n).fill(0);
    this.superior = Array.from(sup, (s) => (s ? s - 1 : null));
    const off = Array.from(welcome.neighbour_offset, (v) => Number(big(v)));
    const nb = welcome.neighbour;
    this.nbrs = [];
    for (let i = 0; i < n; i++) this.nbrs.push(Array.from(nb.slice(off[i], off[i + 1])));
    // only the populations of hosted agents need a behaviour here (a Welcome lists the
    // society's every population)
    const pops = new Map();
    this.pop = [];
    for (let i = 0; i < n; i++) {
      const pi = welcome.population[i];
      if (pi >= welcome.populations.length) {
        throw new ProtocolError(EPROTO, `welcome: agent ${this.ids[i]} has population ` +
          `${pi} of ${welcome.populations.length}`);
      }
      if (!pops.has(pi)) {
        const p = welcome.populations[pi];
        const b = behaviourOf(p, behaviours, claims);
        const { paramsOf, constant } = resolveParams(b, p, this.seed);
        pops.set(pi, { b, paramsOf, constant, cparams: constant ? paramsOf(0) : null });
      }
      this.pop.push(pops.get(pi));
    }
    this.skey = streamKey(this.seed, STREAM_BEHAVIOUR);
  }

  /** The texts of a Tick by sender (a Map sender -> string); throws a ProtocolError for
   * texts that break docs/protocol.md (text_from not strictly ascending, a text longer
   * than 280 bytes, with a NUL or not UTF-8). */
  static tickTexts(tick) {
    const tfrom = tick.text_from || [], ttext = tick.text || [];
    if (tfrom.length !== ttext.length) {
      throw new ProtocolError(EPROTO, `tick: 'text' has ${ttext.length} entries but ` +
        `'text_from' has ${tfrom.length}`);
    }
    const texts = new Map();
    for (let i = 0; i < tfrom.length; i++) {
      const s = tfrom[i];
      if (i > 0 && s <= tfrom[i - 1]) {
        throw new ProtocolError(EPROTO, `tick: 'text_from' does not ascend (a text from ${s} ` +
          `after one from ${tfrom[i - 1]}; one text per sender)`);
      }
      const why = textProblem(ttext[i]);
      if (why !== null) {
        throw new ProtocolError(EPROTO, `tick: the text of agent ${s} is not at most ` +
          `${TEXT_BYTES} bytes of UTF-8 without NUL: ${why}`);
      }
      texts.set(s, utf8.decode(ttext[i]));
    }
    return texts;
  }

  /** Steps every hosted agent once, in ascending id order; returns the messages sent as
   * [from, to, seq, value] arrays. The texts said are left in this.said ({from, text}:
   * ascending), the texts heard in this.heard ([receiver, sender, text] per delivery
   * that had one). */
  step(rnd, tick) {
    const to = tick.to, frm = tick.from, seq = tick.seq, val = tick.value;
    const nd = to.length;
    if (frm.length !== nd || seq.length !== nd || val.length !== nd) {
      throw new ProtocolError(EPROTO, 'tick: deliveries have arrays of unequal length');
    }
    const texts = Node.tickTexts(tick);
    const saidFrom = [], saidText = [], heard = [];
    const ttr = tick.trends.length ? tick.trends : null;
    const tst = tick.standing.length ? tick.standing : null;
    const tfl = tick.flags.length ? tick.flags : null;
    const nto = tick.notice_to;
    const nn = nto.length;
    const outFrom = [], outTo = [], outSeq = [], outVal = [];
    let di = 0, ni = 0;
    for (let i = 0; i < this.ids.length; i++) {
      const aid = this.ids[i];
      const { b, paramsOf, constant, cparams } = this.pop[i];
      const a = new Agent();
      a.id = aid;
      a.round = rnd;
      a.x = this.state[i];
      a.params = constant ? cparams : paramsOf(aid);
      a.nbrs = this.nbrs[i];
      a.role = this.role[i];
      a.group = this.group[i];
      a.superior = this.superior[i];
      a.trends = this.trends[i];
      a.memory = this.memory[i];
      if (di < nd && to[di] < aid) {
        throw new ProtocolError(EPROTO, `tick has a delivery for agent ${to[di]}, which this ` +
          'node does not host (or the tick is not sorted)');
      }
      const inbox = [];
      while (di < nd && to[di] === aid) {
        const text = texts.size ? (texts.get(frm[di]) ?? null) : null;
        inbox.push({
          sender: frm[di], seq: seq[di], value: val[di],
          trends: ttr ? big(ttr[di]) : 0n,
          standing: tst ? tst[di] : 1.0,
          flags: tfl ? tfl[di] : 0,
          text,
        });
        if (text !== null) heard.push([aid, frm[di], text]);
        di++;
      }
      a.inbox = inbox;
      if (ni < nn && nto[ni] < aid) {
        throw new ProtocolError(EPROTO, `tick has a notice for agent ${nto[ni]}, which this ` +
          'node does not host');
      }
      const notices = [];
      while (ni < nn && nto[ni] === aid) {
        const other = tick.notice_other[ni];
        const no = {
          kind: tick.notice_kind[ni], protocol: tick.notice_protocol[ni],
          case: tick.notice_case[ni], arg: tick.notice_arg[ni],
          other: other === 0 ? null : other - 1,
          value: tick.notice_value[ni], value2: tick.notice_value2[ni],
        };
        if (no.kind === NOTICE_TREND && no.arg < 64) a.trends |= 1n << BigInt(no.arg);
        notices.push(no);
        ni++;
      }
      a.notices = notices;
      a.rng = new Rng(rngKey(this.skey, aid, rnd));
      a.out = [];
      a.said = null;
      b.step(a);
      if (a.said !== null) {
        saidFrom.push(aid);
        saidText.push(a.said);
      }
      for (let s = 0; s < a.out.length; s++) {
        const [t, v] = a.out[s];
        if (!Number.isFinite(v)) {
          throw new ProtocolError(EPROTO, `agent ${aid} sent a value that is not finite in ` +
            `round ${rnd}`);
        }
        outFrom.push(aid);
        outTo.push(t);
        outSeq.push(s);
        outVal.push(v);
      }
      if (!(a.x >= 0.0 && a.x <= 1.0)) {
        throw new ProtocolError(EPROTO, `agent ${aid} has opinion ${a.x} outside [0, 1] ` +
          `after round ${rnd}`);
      }
      this.state[i] = a.x;
      this.trends[i] = BigInt.asUintN(64, a.trends);
      this.memory[i] = BigInt.asUintN(64, a.memory);
    }
    if (di < nd) {
      throw new ProtocolError(EPROTO, `tick has a delivery for agent ${to[di]}, which this ` +
        'node does not host');
    }
    if (ni < nn) {
      throw new ProtocolError(EPROTO, `tick has a notice for agent ${nto[ni]}, which this ` +
        'node does not host');
    }
    this.said = { from: saidFrom, text: saidText };
    this.heard = heard;
    return [outFrom, outTo, outSeq, outVal];
  }

  digest() {
    let s = 0n;
    for (let i = 0; i < this.ids.length; i++) {
      s += digestAgentFull(this.ids[i], this.state[i], this.trends[i], this.memory[i]);
    }
    return s & M;
  }
}

// ---------------------------------------------------------------- session

const NPM_HINT = 'run: npm ci --prefix clients/node (from the source tree; or ' +
  '`npm install` in clients/node)';

function requireDep(name) {
  try {
    return require(name);
  } catch (e) {
    fail(`cannot load the npm package '${name}' (${e.code || e.message}); ${NPM_HINT}`);
  }
  return null;
}

function fail(why) {
  process.stderr.write(`${PROG}: ${why}\n`);
  process.exit(1);
}

/** Loads proto/nunchi.proto from protoPath, $NUNCHI_PROTO or the source tree. */
async function loadProto(protoPath) {
  const file = protoPath || process.env.NUNCHI_PROTO ||
    path.join(__dirname, '..', '..', 'proto', 'nunchi.proto');
  if (!fs.existsSync(file)) {
    fail(`${file} does not exist; give --proto FILE or NUNCHI_PROTO=FILE, FILE being ` +
      "nunchi's proto/nunchi.proto");
  }
  const protobuf = requireDep('protobufjs');
  let root;
  try {
    // keepCase: the field names of the schema (param_name, not paramName)
    root = await new protobuf.Root().load(file, { keepCase: true });
  } catch (e) {
    fail(`${file} is not a protobuf schema protobufjs can read: ${e.message}`);
  }
  let Envelope;
  try {
    Envelope = root.lookupType('nunchi.v1.Envelope');
  } catch (e) {
    fail(`${file} has no message nunchi.v1.Envelope (is it nunchi's proto/nunchi.proto?)`);
  }
  return { Envelope, Long: protobuf.util.Long };
}

const KEY_Z85_LEN = 40;
const Z85_CHARS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** A key file that cannot be read or holds no usable key (the message names it). */
class KeyFileError extends Error {}

/** The public and (when secret) the secret key, Z85 strings, of a certificate of
 * `nunchi keygen` (ZeroMQ's format: `public-key = "..."` and `secret-key = "..."` lines
 * under `curve`); throws a KeyFileError naming the file when it cannot be read or lacks
 * a key. */
function loadKeyFile(file, secret) {
  let text;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (e) {
    const why = { ENOENT: 'No such file or directory', EACCES: 'Permission denied',
      EISDIR: 'Is a directory' }[e.code] || e.message;
    throw new KeyFileError(`cannot read the key file '${file}': ${why}`);
  }
  let pub = null, sec = null;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line.startsWith('#')) continue;
    const m = /^(public-key|secret-key)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2];
    const key = v.length === KEY_Z85_LEN + 2 && v[0] === '"' && v[v.length - 1] === '"'
      ? v.slice(1, -1) : null;
    if (key === null || [...key].some((c) => !Z85_CHARS.includes(c))) {
      throw new KeyFileError(`${file}:${n + 1}: a ${m[1]} must be 40 characters of Z85 in ` +
        `double quotes, such as ${m[1]} = "<40 characters>"`);
    }
    if (m[1] === 'public-key') pub = key;
    else sec = key;
  }
  if (pub === null) {
    throw new KeyFileError(`${file}: no public-key line (is it a key file of nunchi keygen?)`);
  }
  if (!secret) return { pub, sec: null };
  if (sec === null) throw new KeyFileError(`${file} has no secret-key: give the .key_secret file`);
  return { pub, sec };
}

/** The CURVE client keys of --server-key FILE (the coordinator's NAME.key) and --key FILE
 * (this node's NAME.key_secret): {serverKey, publicKey, secretKey}, Z85 strings. */
function loadCurve(serverKey, key) {
  const s = loadKeyFile(serverKey, false);
  const k = loadKeyFile(key, true);
  return { serverKey: s.pub, publicKey: k.pub, secretKey: k.sec };
}

/** The refusal a socket event tells of, worded as nunchi-node words it. */
function handshakeRefusal(ev) {
  const e = ev.error || {};
  if (ev.type === 'handshake:error:auth') {
    return 'the coordinator refused this node (authentication): its CURVE key is not among ' +
      `the coordinator's authorized keys (ZAP status ${e.status})`;
  }
  const detail = ev.type === 'handshake:error:protocol'
    ? `protocol error ${e.code || e.message}` : `no detail ${e.code || e.errno || e.message}`;
  return 'the coordinator refused this node (authentication): the security handshake ' +
    `failed (${detail}): a plaintext node and a CURVE coordinator, or the reverse, or the ` +
    'wrong server key';
}

const HANDSHAKE_ERRORS = ['handshake:error:auth', 'handshake:error:protocol', 'handshake:error:other'];

/** One node's conversation with a coordinator over a DEALER socket; with curve
 * ({serverKey, publicKey, secretKey}, Z85) a CURVE client. */
class Session {
  constructor(endpoint, pb, { implementation = PROG, verbose = false, curve = null,
    heard = null } = {}) {
    const zmq = requireDep('zeromq');
    this.heard = heard; // a file descriptor: each text heard, one JSON line per delivery
    this.pb = pb;
    const opts = { maxMessageSize: MAX_MESSAGE_BYTES, linger: 2000 };
    if (curve) {
      opts.curveServerKey = curve.serverKey;
      opts.curvePublicKey = curve.publicKey;
      opts.curveSecretKey = curve.secretKey;
    }
    this.sock = new zmq.Dealer(opts);
    // a refusal (a key the coordinator does not authorize, plaintext against CURVE or the
    // reverse) happens in the security handshake, before any message: the socket's
    // events tell of it while the node waits for its Welcome
    this.refusal = null;
    this.onHandshakeError = (ev) => {
      if (this.refusal === null) this.refusal = handshakeRefusal(ev);
    };
    for (const t of HANDSHAKE_ERRORS) this.sock.events.on(t, this.onHandshakeError);
    this.sock.connect(endpoint);
    this.endpoint = endpoint;
    this.implementation = implementation;
    this.nodeId = 0;
    this.verbose = verbose;
  }

  u64(v) {
    return this.pb.Long.fromString(BigInt.asUintN(64, v).toString(), true);
  }

  async send(rnd, body) {
    const env = Object.assign({ version: PROTOCOL_VERSION, round: rnd, node: this.nodeId }, body);
    await this.sock.send(this.pb.Envelope.encode(env).finish());
  }

  /** The next envelope, or null after timeoutS seconds without one. */
  async recv(timeoutS) {
    this.sock.receiveTimeout = Math.max(0, Math.round(timeoutS * 1000));
    let frames;
    try {
      frames = await this.sock.receive();
    } catch (e) {
      if (e.code === 'EAGAIN') return null;
      throw e;
    }
    if (frames.length !== 1) {
      throw new ProtocolError(EPROTO, `a message of ${frames.length} frames (one frame is ` +
        'one envelope)');
    }
    let env;
    try {
      env = this.pb.Envelope.decode(frames[0]);
    } catch (e) {
      throw new ProtocolError(EPROTO, `an envelope that is not valid protobuf: ${e.message}`);
    }
    if (env.version !== PROTOCOL_VERSION) {
      throw new ProtocolError(EPROTO, `unsupported protocol version ${env.version}`);
    }
    if (!env.body) throw new ProtocolError(EPROTO, 'an envelope without a body');
    return env;
  }

  /** As recv, watching the socket's events for a failed security handshake (resolves
   * to {refused: why} then). */
  async awaitWelcome(timeoutS) {
    const now = () => Number(process.hrtime.bigint()) / 1e9;
    const deadline = now() + timeoutS;
    for (;;) {
      if (this.refusal !== null) return { refused: this.refusal };
      const left = deadline - now();
      if (left <= 0) return null;
      const env = await this.recv(Math.min(left, 0.05));
      if (env !== null) return env;
    }
  }

  stopEvents() {
    for (const t of HANDSHAKE_ERRORS) this.sock.events.off(t, this.onHandshakeError);
  }

  sendError(rnd, code, message) {
    let b = Buffer.from(message, 'utf8').subarray(0, 255).toString('utf8');
    b = b.replace(/\uFFFD+$/, '');
    return this.send(rnd, { error: { code, message: b } });
  }

  /** The whole session; resolves to 0 after Bye, else prints why and resolves to 1.
   * behaviours maps a name to a behaviour; claims maps the name of an external population
   * this node hosts to the behaviour it runs those agents with. */
  async run(behaviours, helloTimeoutS = 10.0, claims = new Map()) {
    const now = () => Number(process.hrtime.bigint()) / 1e9;
    const hello = (session) => {
      const h = {
        implementation: this.implementation, language: 'javascript',
        // the behaviours this node has, never none (a Hello listing none is taken to run
        // the built-in ones)
        behaviours: [...behaviours.keys()].sort(), pid: process.pid >>> 0,
      };
      if (claims.size) h.claims = [...claims.keys()].sort();
      if (session) h.session = session;
      return { hello: h };
    };
    let rnd = 0;
    let ok = false;
    try {
      // the Hello is not awaited before the wait: after a failed security handshake
      // ZeroMQ has no pipe to the coordinator until it reconnects, and the send waits
      // for one while the refusal is already known
      let sendError = null;
      const sending = this.send(0, hello(null)).catch((e) => { sendError = e; });
      const deadline = now() + helloTimeoutS;
      let env;
      for (;;) {
        env = await this.awaitWelcome(Math.max(0, deadline - now()));
        if (sendError !== null) throw sendError;
        if (env === null) {
          return this.fail(`no coordinator answered within ${helloTimeoutS} s at ${this.endpoint}`);
        }
        if (env.refused) return this.fail(env.refused);
        if (env.body === 'heartbeat') continue;
        if (env.body === 'reject') {
          return this.fail(`the coordinator refused this node (${env.reject.reason}): ` +
            env.reject.detail);
        }
        if (env.body !== 'welcome' || env.welcome.resumed) {
          return this.fail('expected a welcome, got ' +
            (env.body === 'welcome' ? 'a resumed welcome' : env.body));
        }
        break;
      }
      this.stopEvents();
      await sending;
      if (sendError !== null) throw sendError;
      const w = env.welcome;
      this.nodeId = w.node;
      const session = w.session;
      const liveness = w.liveness_s > 0 ? w.liveness_s : 60.0;
      // a coordinator that gives no heartbeat interval sends none either: silence then
      // says nothing, and only the liveness ends the session
      const beat = w.heartbeat_s > 0 ? w.heartbeat_s : 0;
      const resumable = beat > 0 && big(session) !== 0n;
      const node = new Node(w, behaviours, claims);
      if (this.verbose) {
        process.stderr.write(`${PROG}: node ${w.node} hosts ${node.ids.length} agents\n`);
      }
      let answered = 0; // the last round answered (0: none)
      let answer = null; // the encoded Actions of that round
      let heard = now();
      let sent = heard;
      let asked = null;
      for (;;) {
        let wait = liveness - (now() - heard);
        if (beat > 0) wait = Math.min(wait, beat / 2);
        env = wait > 0 ? await this.recv(wait) : null;
        const t = now();
        if (env === null) {
          if (t - heard >= liveness) {
            return this.fail(`node ${this.nodeId} heard nothing from the coordinator for ` +
              `${liveness} s`);
          }
          if (beat > 0 && t - sent >= beat) {
            await this.send(answered, { heartbeat: {} });
            sent = t;
          }
          if (resumable && t - heard >= RESUME_BEATS * beat &&
              (asked === null || t - asked >= RESUME_BEATS * beat)) {
            // the connection may have broken and been remade by ZeroMQ: ask for our
            // session on it
            await this.send(0, hello(session));
            asked = sent = t;
            if (this.verbose) {
              process.stderr.write(`${PROG}: node ${this.nodeId} asks to resume session ` +
                `${big(session).toString(16)}\n`);
            }
          }
          continue;
        }
        heard = t;
        if (env.body === 'heartbeat') continue;
        if (env.body === 'bye') {
          ok = true;
          return 0;
        }
        if (env.body === 'error') return this.fail(`the coordinator reported: ${env.error.message}`);
        if (env.body === 'welcome') {
          if (!env.welcome.resumed || env.welcome.node !== this.nodeId) {
            throw new ProtocolError(EPROTO, `node ${this.nodeId} got a second welcome (for ` +
              `node ${env.welcome.node})`);
          }
          asked = null;
          if (this.verbose) {
            process.stderr.write(`${PROG}: node ${this.nodeId} resumed in round ` +
              `${big(env.welcome.round)}\n`);
          }
          continue;
        }
        if (env.body === 'reject') {
          return this.fail(`the coordinator refused to resume node ${this.nodeId} ` +
            `(${env.reject.reason}): ${env.reject.detail}`);
        }
        if (env.body !== 'tick') {
          throw new ProtocolError(EPROTO, `unexpected message ${env.body} in round ${env.round}`);
        }
        const r = Number(big(env.round));
        if (answered && r === answered) {
          // a repeated tick (after a resume): the same answer again, not a second step
          await this.sock.send(answer);
          sent = now();
          continue;
        }
        if (r < answered) continue; // older than the last answer: long answered
        rnd = r;
        let msgs;
        try {
          msgs = node.step(rnd, env.tick);
        } catch (e) {
          if (e instanceof TextError) throw new ProtocolError(EINVAL, e.message);
          throw e;
        }
        if (this.heard !== null && node.heard.length) {
          fs.writeSync(this.heard, node.heard.map(([receiver, sender, text]) =>
            JSON.stringify({ round: rnd, from: sender, to: receiver, text }) + '\n').join(''));
        }
        answer = this.pb.Envelope.encode({
          version: PROTOCOL_VERSION, round: rnd, node: this.nodeId,
          actions: this.actions(node, rnd, msgs),
        }).finish();
        await this.sock.send(answer);
        answered = rnd;
        sent = now();
      }
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      try {
        await this.sendError(rnd, e.code, e.message);
      } catch (e2) {
        // the failure is reported below either way
      }
      return this.fail(e.message);
    } finally {
      // after a Bye everything was sent; on a failure do not wait for a peer
      this.sock.linger = ok ? 2000 : 200;
      this.sock.close();
    }
  }

  actions(node, rnd, [frm, to, seq, val]) {
    const a = { from: frm, to, seq, value: val, state: node.state };
    if (node.said.from.length) {
      a.text_from = node.said.from;
      a.text = node.said.text.map((t) => Buffer.from(t, 'utf8'));
    }
    if (node.trends.some((t) => t !== 0n)) a.trends = node.trends.map((t) => this.u64(t));
    if (node.memory.some((m) => m !== 0n)) a.memory = node.memory.map((m) => this.u64(m));
    // the coordinator reads the digest in the last round only (as nunchi-node does)
    a.digest = this.u64(BigInt(rnd) === node.rounds ? node.digest() : 0n);
    return a;
  }

  fail(why) {
    process.stderr.write(`${PROG}: ${why}\n`);
    return 1;
  }
}

const USAGE = (description) => `${description}

options:
  --connect ENDPOINT  the coordinator's endpoint, e.g. tcp://127.0.0.1:5555
  --proto FILE        nunchi's proto/nunchi.proto (default: $NUNCHI_PROTO, else
                      ../../proto/nunchi.proto beside this script)
  --timeout S         seconds to wait for the coordinator's welcome (default 10)
  --claim NAME[=BEHAVIOUR]
                      host the external population NAME (behaviour: external, name: NAME
                      in the scenario) with this node's first behaviour, or with
                      BEHAVIOUR; repeatable
  --server-key FILE   the coordinator's public key (its NAME.key of nunchi keygen):
                      CURVE over tcp, with --key
  --key FILE          this node's key pair (its NAME.key_secret of nunchi keygen), with
                      --server-key
  --heard FILE        write each text this node's agents hear to FILE, one JSON line
                      {round, from, to, text} per delivery that carries one
  --verbose
  --self-test         check the generator and digest against docs/protocol.md and exit
  --help
`;

function parseArgs(argv, description) {
  const args = {
    connect: null, proto: null, timeout: 10.0, verbose: false, selfTest: false, claims: [],
    serverKey: null, key: null, heard: null,
  };
  const usageError = (msg) => {
    process.stderr.write(USAGE(description));
    fail(msg);
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v = null;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      v = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const value = () => {
      if (v !== null) return v;
      if (i + 1 >= argv.length) usageError(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--connect': args.connect = value(); break;
      case '--proto': args.proto = value(); break;
      case '--timeout': {
        const s = value();
        args.timeout = Number(s);
        if (!(args.timeout > 0) || !Number.isFinite(args.timeout)) {
          usageError(`--timeout ${s}: a number of seconds above 0 is needed (e.g. --timeout 10)`);
        }
        break;
      }
      case '--claim': args.claims.push(value()); break;
      case '--server-key': args.serverKey = value(); break;
      case '--key': args.key = value(); break;
      case '--heard': args.heard = value(); break;
      case '--verbose': args.verbose = true; break;
      case '--self-test': args.selfTest = true; break;
      case '--help': case '-h': process.stdout.write(USAGE(description)); process.exit(0); break;
      default: usageError(`unknown argument '${argv[i]}' (see --help)`);
    }
  }
  return args;
}

/** The command line of a Node.js node hosting `behaviours` (a list of behaviour objects);
 * resolves to the exit status. */
async function main(behaviours, description) {
  const args = parseArgs(process.argv.slice(2), description);
  if (args.selfTest) {
    try {
      selfTest();
    } catch (e) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    process.stdout.write('ok: nunchi_agent test vectors\n');
    return 0;
  }
  if (!args.connect) {
    process.stderr.write(USAGE(description));
    return fail('--connect ENDPOINT is required (e.g. --connect tcp://127.0.0.1:5555)');
  }
  const table = new Map(behaviours.map((b) => [b.name, b]));
  const claims = new Map();
  for (const c of args.claims) {
    const eq = c.indexOf('=');
    const name = eq < 0 ? c : c.slice(0, eq);
    const bname = eq < 0 ? behaviours[0].name : c.slice(eq + 1);
    const usageError = (msg) => {
      process.stderr.write(USAGE(description));
      fail(`--claim ${c}: ${msg}`);
    };
    if (!name || Buffer.byteLength(name, 'utf8') > 31) {
      usageError('the population name must have 1 to 31 bytes (e.g. --claim opinion-js)');
    }
    if (!table.has(bname)) {
      const has = [...table.keys()].sort().join(', ');
      usageError(`this node has no behaviour '${bname}' (it has: ${has})`);
    }
    if (claims.has(name)) usageError(`population '${name}' is claimed twice`);
    claims.set(name, table.get(bname));
  }
  if (claims.size > 64) fail(`--claim: ${claims.size} claims, at most 64`);
  if ((args.serverKey === null) !== (args.key === null)) {
    process.stderr.write(USAGE(description));
    process.stderr.write(`${PROG}: --server-key FILE and --key FILE go together (the ` +
      "coordinator's NAME.key and this node's NAME.key_secret of nunchi keygen)\n");
    return 2;
  }
  let curve = null;
  if (args.serverKey !== null) {
    try {
      curve = loadCurve(args.serverKey, args.key);
    } catch (e) {
      if (!(e instanceof KeyFileError)) throw e;
      process.stderr.write(`${PROG}: ${e.message}\n`);
      return 2;
    }
  }
  const pb = await loadProto(args.proto);
  if (!pb.Envelope.lookupType('nunchi.v1.Tick').fields.text_from) {
    return fail(`${args.proto || 'the schema'} has no Tick.text_from; give the current ` +
      "nunchi's proto/nunchi.proto");
  }
  let heard = null;
  if (args.heard !== null) {
    try {
      heard = fs.openSync(args.heard, 'w');
    } catch (e) {
      process.stderr.write(`${PROG}: --heard ${args.heard}: cannot write it: ${e.message}\n`);
      return 2;
    }
  }
  try {
    return await new Session(args.connect, pb, { verbose: args.verbose, curve, heard })
      .run(table, args.timeout, claims);
  } finally {
    if (heard !== null) fs.closeSync(heard);
  }
}

/** Runs main and exits with its status. */
function cli(behaviours, description) {
  main(behaviours, description).then(
    (status) => { process.exitCode = status; },
    (e) => { process.stderr.write(`${PROG}: ${e.stack || e}\n`); process.exitCode = 1; });
}

module.exports = {
  M, PROTOCOL_VERSION, STREAM_BEHAVIOUR, STREAM_TRAITS, NOTICE_TREND, EXTERNAL, EINVAL, EPROTO,
  mix64, doubleBits, digestAgent, digestAgentFull, streamKey, rngKey, Rng, selfTest,
  TEXT_BYTES, textProblem, TextError, Agent, ProtocolError, Node, Session, loadProto, loadKeyFile, loadCurve, main, cli,
};
