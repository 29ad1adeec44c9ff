/* Writes the seed corpus of fuzz_codec into DIR: one valid message of each kind, as the
 * codec encodes them (hellos: plain, claiming, resuming; welcomes: of 3 agents, of an
 * external population, resumed, with an llm section and with llm memories; a tick with deliveries
 * and notices, and with texts; an actions with messages, states and acts, and with texts and a
 * spend; a heartbeat, an error and a bye). usage: fuzz_seeds DIR */
#include <stdio.h>
#include <string.h>

#include "nunchi/error.h"
#include "proto/codec.h"

static int s_write(nn_codec_t *c, const char *dir, const char *name, const nn_wire_t *w)
{
    const void *bytes;
    size_t n;
    if (nn_codec_encode(c, w, &bytes, &n) != NN_OK) {
        fprintf(stderr, "fuzz_seeds: %s: %s\n", name, nn_codec_error(c));
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "fuzz_seeds: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_seeds DIR\n");
        return 2;
    }
    nn_codec_t *c = NULL;
    if (nn_codec_new(&c, NULL) != NN_OK)
        return 1;
    int bad = 0;
    nn_wire_t w;

    memset(&w, 0, sizeof w);
    w.kind = NN_WIRE_HELLO;
    snprintf(w.u.hello.implementation, sizeof w.u.hello.implementation, "fuzz-seed");
    snprintf(w.u.hello.language, sizeof w.u.hello.language, "c");
    w.u.hello.n_behaviours = 1;
    snprintf(w.u.hello.behaviours[0], NN_NAME_MAX, "deffuant");
    bad |= s_write(c, argv[1], "hello", &w);

    /* a claiming node's hello, and a resume (session and node id) */
    w.u.hello.n_claims = 1;
    snprintf(w.u.hello.claims[0], NN_NAME_MAX, "opinion-py");
    w.u.hello.max_agents = 1000;
    bad |= s_write(c, argv[1], "hello_claims", &w);
    w.node = 3;
    w.u.hello.session = 0x5ec0de;
    bad |= s_write(c, argv[1], "hello_resume", &w);

    static const nn_population_desc_t pop = {
        .behaviour = "deffuant", .n_params = 1, .param_name = {"d"}, .param_value = {0.2}};
    static const uint8_t pops[3] = {0, 0, 0}, roles[3] = {0, 1, 0};
    static const double state[3] = {0.1, 0.5, 0.9};
    static const uint64_t off[4] = {0, 1, 3, 4};
    static const uint32_t nbr[4] = {1, 0, 2, 1}, group[3] = {0, 0, 1};
    memset(&w, 0, sizeof w);
    w.kind = NN_WIRE_WELCOME;
    nn_welcome_t *we = &w.u.welcome;
    we->session = 42;
    we->seed = 7;
    we->rounds = 10;
    we->agents_total = 3;
    we->dim = 1;
    we->n_populations = 1;
    we->populations = &pop;
    we->n_agents = 3;
    we->population = pops;
    we->state = state;
    we->nbr_off = off;
    we->nbr = nbr;
    we->deadline_s = 5;
    we->liveness_s = 20;
    we->role = roles;
    we->group = group;
    bad |= s_write(c, argv[1], "welcome", &w);
    we->llm = "{\"endpoints\":[{\"url\":\"http://127.0.0.1:8089/v1\",\"model\":\"m\"}]}";
    bad |= s_write(c, argv[1], "welcome_llm", &w);
    /* a restarted llm node: its agents' memories */
    static const uint32_t recall_count[3] = {2, 0, 1};
    static const nn_recall_t recall[3] = {
        {3, 1, 0, 0.5, "we agree"}, {4, 2, 1, 0.75, ""}, {4, 0, 0, -0.0, "no"}};
    we->recall_count = recall_count;
    we->n_recall = 3;
    we->recall = recall;
    bad |= s_write(c, argv[1], "welcome_recall", &w);
    we->recall_count = NULL;
    we->n_recall = 0;
    we->recall = NULL;
    we->llm = NULL;

    /* an external population, a heartbeat interval, and the answer to a resume */
    static const nn_population_desc_t ext = {.behaviour = NN_BEHAVIOUR_EXTERNAL,
                                             .name = "opinion-py",
                                             .n_params = 1,
                                             .param_name = {"mu"},
                                             .param_value = {0.2},
                                             .param_dist = {NN_DIST_UNIFORM},
                                             .param_b = {0.5}};
    we->populations = &ext;
    we->heartbeat_s = 0.5;
    bad |= s_write(c, argv[1], "welcome_external", &w);
    memset(&w, 0, sizeof w);
    w.kind = NN_WIRE_WELCOME;
    w.u.welcome.session = 42;
    w.u.welcome.dim = 1;
    w.u.welcome.resumed = 1;
    w.u.welcome.round = 5;
    w.u.welcome.heartbeat_s = 0.5;
    bad |= s_write(c, argv[1], "welcome_resumed", &w);

    static const uint64_t inbox[4] = {0, 1, 2, 2};
    static const nn_delivery_t deliv[2] = {{.from = 1, .seq = 0, .value = 0.5, .standing = 1},
                                           {.from = 0, .seq = 0, .value = 0.1, .standing = 1}};
    static const uint32_t notice_to[1] = {2};
    static const nn_notice_t notices[1] = {{.kind = NN_NOTICE_SANCTION, .other = 1, .arg = 0}};
    memset(&w, 0, sizeof w);
    w.kind = NN_WIRE_TICK;
    w.round = 3;
    w.u.tick.n_runs = 3;
    w.u.tick.inbox_off = inbox;
    w.u.tick.deliveries = deliv;
    w.u.tick.n_notices = 1;
    w.u.tick.notice_to = notice_to;
    w.u.tick.notices = notices;
    bad |= s_write(c, argv[1], "tick", &w);
    /* the same with the senders' texts and a spent budget */
    static const uint32_t text_from[1] = {1};
    static const char *const texts[1] = {"I lean \xc3\xa0 gauche."};
    w.u.tick.texts.n = 1;
    w.u.tick.texts.from = text_from;
    w.u.tick.texts.text = texts;
    w.u.tick.budget_spent = 1;
    bad |= s_write(c, argv[1], "tick_texts", &w);

    static const nn_msg_t msgs[3] = {{.from = 0, .to = 1, .value = 0.1},
                                     {.from = 0, .to = 40, .value = 0.2, .hostility = 0.5f},
                                     {.from = 2, .to = 1, .value = 0.9, .flags = NN_MSG_DEFECT}};
    static const nn_act_t acts[1] = {{.agent = 1, .kind = NN_ACT_COMPLAIN, .other = 2}};
    memset(&w, 0, sizeof w);
    w.kind = NN_WIRE_ACTIONS;
    w.round = 3;
    w.u.actions.n_msgs = 3;
    w.u.actions.msgs = msgs;
    w.u.actions.n_state = 3;
    w.u.actions.state = state;
    w.u.actions.n_acts = 1;
    w.u.actions.acts = acts;
    w.u.actions.digest = 99;
    bad |= s_write(c, argv[1], "actions", &w);
    /* the same with texts and what llm agents spent */
    static float lat[2] = {0.1f, 0.25f};
    nn_spend_t sp = {.asked = 2,
                     .sent = 3,
                     .attempts = 4,
                     .retries = 1,
                     .repairs = 1,
                     .prompt_tokens = 300,
                     .completion_tokens = 40,
                     .n_latency = 2,
                     .latency_s = lat};
    w.u.actions.texts.n = 1;
    w.u.actions.texts.from = text_from;
    w.u.actions.texts.text = texts;
    w.u.actions.spend = &sp;
    bad |= s_write(c, argv[1], "actions_texts", &w);

    memset(&w, 0, sizeof w);
    w.kind = NN_WIRE_HEARTBEAT;
    bad |= s_write(c, argv[1], "heartbeat", &w);
    memset(&w, 0, sizeof w);
    w.kind = NN_WIRE_ERROR;
    w.u.error.code = 4;
    snprintf(w.u.error.message, sizeof w.u.error.message, "protocol error");
    bad |= s_write(c, argv[1], "error", &w);
    memset(&w, 0, sizeof w);
    w.kind = NN_WIRE_BYE;
    snprintf(w.u.bye.reason, sizeof w.u.bye.reason, "the run is over");
    bad |= s_write(c, argv[1], "bye", &w);
    nn_codec_destroy(&c);
    return bad;
}
