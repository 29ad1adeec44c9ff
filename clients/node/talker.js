#!/usr/bin/env node
'use strict';
/*
 * A nunchi node in Node.js hosting `deffuant` agents that talk.
 *
 *     node clients/node/talker.js --connect tcp://127.0.0.1:5555 --heard FILE
 *
 * Each agent takes deffuant's step unchanged (deffuant.js), then says what it heard:
 * "agent ID heard N — round R", N being the deliveries of its inbox that carried a text.
 * A text does not enter the digest and does not change the step, so a society of talkers
 * gives the digest of the same society of plain deffuant agents; the coordinator writes
 * the texts to transcript.jsonl, and --heard FILE (any node) writes the texts its agents
 * heard.
 */
const nunchi = require('./nunchi_agent');
const { Deffuant } = require('./deffuant');

const Talker = {
  name: 'deffuant',
  params: Deffuant.params,

  step(a) {
    Deffuant.step(a);
    const n = a.inbox.filter((m) => m.text !== null).length;
    a.say(`agent ${a.id} heard ${n} \u2014 round ${a.round}`);
  },
};

module.exports = { Talker };

if (require.main === module) {
  nunchi.cli([Talker], 'a nunchi node in Node.js: deffuant agents that talk');
}
