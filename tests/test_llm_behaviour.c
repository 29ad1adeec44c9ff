/* Tests of the llm behaviour (node/behaviours/llm.c) on a node of its own, against the
 * scripted endpoint tests/llm_server/server.py: a round of four agents asks four
 * questions and acts on the answers (opinions, texts, messages to the named neighbours);
 * the same round again is answered from the cache; an answer out of schema is repaired
 * once; failed requests and a spent budget let the fallback act exactly as that
 * behaviour's own agents would; a record file replays with no endpoint to the same
 * states; and the assignment is refused, with a reason, without the llm section, with
 * an API key variable unset, or with a replay file that is missing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>

#include "nunchi/error.h"
#include "nunchi/node.h"

#include "llm_test_server.h"

#define T_N 4

/* four agents on a ring: 0-1-2-3-0 */
static const uint32_t s_nbr[] = {1, 3, 0, 2, 1, 3, 0, 2};
static const uint64_t s_off[] = {0, 2, 4, 6, 8};
static const uint8_t s_pop[T_N] = {0, 0, 0, 0};
static const double s_state[T_N] = {0.2, 0.4, 0.6, 0.8};

typedef struct t_fix {
    char dir[64];
    t_srv_t srv;
    int has_srv;
    nn_population_desc_t desc;
    nn_welcome_t w;
    char *llm;
    nn_node_t *node;
    char err[512];
} t_fix_t;

static int s_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/nunchi-llmb.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    t_fix_t *f = *state;
    nn_node_destroy(&f->node);
    if (f->has_srv)
        t_srv_stop(&f->srv);
    free(f->llm);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* The llm section, as the scenario loader writes it, for the fixture's server (url NULL:
 * a port nobody listens on), with extra keys over it (a JSON object, or NULL). */
static void t_section(t_fix_t *f, const char *url, const char *extra)
{
    json_t *o = json_pack(
        "{s:[{s:s,s:s,s:s,s:i}],s:f,s:i,s:f,s:f,s:i,s:f,s:f,s:f,s:i,s:b,"
        "s:{s:s,s:{}},s:{s:[s,s],s:[s],s:[{s:s,s:s,s:f,s:f}]},s:i,s:n,s:n}",
        "endpoints", "url", url ? url : "http://127.0.0.1:1/v1", "model", "scripted", "api_key_env",
        "", "max_concurrency", 4, "temperature", 0.7, "max_tokens", 100, "timeout_s", 5.0,
        "connect_timeout_s", 2.0, "retries", 1, "backoff_s", 0.05, "backoff_max_s", 0.1,
        "retry_after_max_s", 1.0, "memory", 4, "seed", 1, "fallback", "behaviour", "stubborn",
        "params", "personas", "names", "Minji", "Jun", "stances", "careful", "traits", "name",
        "openness", "dist", "uniform", "a", 0.2, "b", 0.8, "budget_tokens", 0, "record", "replay");
    assert_non_null(o);
    if (extra) {
        json_t *x = json_loads(extra, 0, NULL);
        assert_non_null(x);
        assert_int_equal(json_object_update(o, x), 0);
        json_decref(x);
    }
    free(f->llm);
    f->llm = json_dumps(o, JSON_COMPACT);
    json_decref(o);
}

static void t_welcome(t_fix_t *f, const char *behaviour, const char *p0, double v0, const char *p1,
                      double v1)
{
    memset(&f->desc, 0, sizeof f->desc);
    snprintf(f->desc.behaviour, NN_NAME_MAX, "%s", behaviour);
    if (p0) {
        f->desc.n_params = 2;
        snprintf(f->desc.param_name[0], NN_NAME_MAX, "%s", p0);
        snprintf(f->desc.param_name[1], NN_NAME_MAX, "%s", p1);
        f->desc.param_value[0] = v0;
        f->desc.param_value[1] = v1;
    }
    nn_welcome_t *w = &f->w;
    memset(w, 0, sizeof *w);
    w->seed = 5;
    w->rounds = 10;
    w->agents_total = T_N;
    w->dim = 1;
    w->n_populations = 1;
    w->populations = &f->desc;
    w->n_agents = T_N;
    w->population = s_pop;
    w->state = s_state;
    w->nbr_off = s_off;
    w->nbr = s_nbr;
    w->llm = f->llm;
}

static void t_server(t_fix_t *f)
{
    t_srv_start(&f->srv, f->dir, 0, NULL);
    f->has_srv = 1;
}

static int t_open(t_fix_t *f)
{
    nn_node_destroy(&f->node);
    f->err[0] = '\0';
    return nn_node_new(&f->node, &f->w, f->err, sizeof f->err);
}

/* A tick of round 2 for the ring: 1 and 3 tell 0 their opinions (1 with a text), 0
 * tells 1; nothing for 2 and 3. */
static const nn_delivery_t s_dl[] = {
    {1, 0, 0.45, 0, 1.0f, 0},
    {3, 0, 0.75, 0, 1.0f, 0},
    {0, 0, 0.25, 0, 1.0f, 0},
};
static const uint64_t s_tick_off[] = {0, 2, 3, 3, 3};
static const uint32_t s_text_from[] = {1};
static const char *const s_texts[] = {"I lean a little higher."};

static nn_tick_t t_tick(int with_texts, int budget_spent)
{
    nn_tick_t t;
    memset(&t, 0, sizeof t);
    t.n_runs = T_N;
    t.inbox_off = s_tick_off;
    t.deliveries = s_dl;
    if (with_texts) {
        t.texts.n = 1;
        t.texts.from = s_text_from;
        t.texts.text = s_texts;
    }
    t.budget_spent = budget_spent;
    return t;
}

static void test_round_asks_and_acts(void **state)
{
    t_fix_t *f = *state;
    t_server(f);
    t_section(f, f->srv.base, NULL);
    t_welcome(f, "llm", NULL, 0, NULL, 0);
    assert_int_equal(t_open(f), NN_OK);
    nn_tick_t t = t_tick(1, 0);
    nn_actions_t out;
    assert_int_equal(nn_node_step(f->node, 2, &t, &out, f->err, sizeof f->err), NN_OK);
    assert_non_null(out.spend);
    assert_int_equal(out.spend->asked, T_N);
    assert_int_equal(out.spend->sent, T_N);
    assert_int_equal(out.spend->fallbacks, 0);
    assert_int_equal(out.spend->cache_hits, 0);
    assert_int_equal(out.spend->n_latency, T_N);
    assert_true(out.spend->prompt_tokens > 0 && out.spend->completion_tokens > 0);
    /* the scripted model: 0 at 0.2 heard 0.45 (near) and 0.75 (not): half way to 0.45 */
    assert_true(fabs(out.state[0] - 0.325) < 1e-9);
    assert_true(fabs(out.state[1] - 0.325) < 1e-9);          /* 1 at 0.4 heard 0.25 (near) */
    assert_true(out.state[2] == 0.6 && out.state[3] == 0.8); /* heard nothing */
    /* every agent said its opinion; 0 named its near neighbour 1, 1 named 0 */
    assert_int_equal(out.texts.n, T_N);
    assert_string_equal(out.texts.text[0], "I think the opinion is 0.325.");
    size_t to_1 = 0, from_0 = 0;
    for (size_t i = 0; i < out.n_msgs; i++)
        if (out.msgs[i].from == 0) {
            from_0++;
            to_1 += out.msgs[i].to == 1;
        }
    assert_int_equal(from_0, 1);
    assert_int_equal(to_1, 1);
}

static void test_cache_answers_the_same_question(void **state)
{
    t_fix_t *f = *state;
    t_server(f);
    /* memory 0: a round's prompt does not depend on the rounds before, so the same round
     * asked again is the same question */
    t_section(f, f->srv.base, "{\"memory\": 0}");
    t_welcome(f, "llm", NULL, 0, NULL, 0);
    assert_int_equal(t_open(f), NN_OK);
    nn_tick_t t = t_tick(1, 0);
    nn_actions_t out;
    assert_int_equal(nn_node_step(f->node, 2, &t, &out, f->err, sizeof f->err), NN_OK);
    double first[T_N];
    memcpy(first, out.state, sizeof first);
    uint64_t prompt = out.spend->prompt_tokens;
    json_int_t before = t_stat(&f->srv, "requests");
    /* round 2 again: 2 and 3 heard nothing and kept their opinions, so they ask the same
     * questions and the cache answers; 0 and 1 moved, so theirs are new */
    assert_int_equal(nn_node_step(f->node, 2, &t, &out, f->err, sizeof f->err), NN_OK);
    assert_int_equal(out.spend->asked, T_N);
    assert_int_equal(out.spend->cache_hits, 2);
    assert_int_equal(out.spend->sent, 2);
    assert_int_equal(out.spend->n_latency, 2);
    assert_int_equal(t_stat(&f->srv, "requests"), before + 2);
    assert_true(out.state[2] == first[2] && out.state[3] == first[3]);
    assert_true(out.state[0] != first[0]); /* 0.325 heard 0.45 and 0.75 again */
    /* the hits count the usage of the answers they reuse: 2 and 3's share of the first
     * round's tokens, which the scripted model gives the same for the same question */
    assert_true(out.spend->prompt_tokens > 0 && out.spend->prompt_tokens <= prompt + prompt);
}

static void test_repair_then_act(void **state)
{
    t_fix_t *f = *state;
    t_server(f);
    t_section(f, f->srv.base, NULL);
    t_welcome(f, "llm", NULL, 0, NULL, 0);
    assert_int_equal(t_open(f), NN_OK);
    json_decref(t_admin(&f->srv, "/admin/plan", "{\"faults\": [\"badschema\"]}"));
    nn_tick_t t = t_tick(0, 0);
    nn_actions_t out;
    assert_int_equal(nn_node_step(f->node, 2, &t, &out, f->err, sizeof f->err), NN_OK);
    assert_int_equal(out.spend->invalid, 1);
    assert_int_equal(out.spend->repairs, 1);
    assert_int_equal(out.spend->sent, T_N + 1);
    assert_int_equal(out.spend->fallbacks, 0);
    assert_int_equal(out.texts.n, T_N); /* the repaired agent acted too */
}

/* Steps round 2 of t on a node whose population is `behaviour` with d 0.5, mu 0.5. */
static void t_reference(t_fix_t *f, const nn_tick_t *t, double *state, nn_msg_t *msgs, size_t *n)
{
    t_welcome(f, "deffuant", "d", 0.5, "mu", 0.5);
    nn_node_t *ref = NULL;
    assert_int_equal(nn_node_new(&ref, &f->w, f->err, sizeof f->err), NN_OK);
    nn_actions_t out;
    assert_int_equal(nn_node_step(ref, 2, t, &out, f->err, sizeof f->err), NN_OK);
    memcpy(state, out.state, T_N * sizeof *state);
    assert_true(out.n_msgs <= 8);
    memcpy(msgs, out.msgs, out.n_msgs * sizeof *msgs);
    *n = out.n_msgs;
    nn_node_destroy(&ref);
}

static void t_expect_as_reference(t_fix_t *f, const nn_actions_t *out)
{
    nn_tick_t t = t_tick(1, 0);
    double state[T_N];
    nn_msg_t msgs[8];
    size_t n;
    t_reference(f, &t, state, msgs, &n);
    assert_memory_equal(out->state, state, sizeof state);
    assert_int_equal(out->n_msgs, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out->msgs[i].from, msgs[i].from);
        assert_int_equal(out->msgs[i].to, msgs[i].to);
        assert_true(out->msgs[i].value == msgs[i].value);
    }
}

static void test_failures_let_the_fallback_act(void **state)
{
    t_fix_t *f = *state;
    t_server(f);
    t_section(
        f, f->srv.base,
        "{\"fallback\": {\"behaviour\": \"deffuant\", \"params\": {\"d\": 0.5, \"mu\": 0.5}}}");
    json_decref(
        t_admin(&f->srv, "/admin/plan", "{\"faults\": [\"400\", \"400\", \"400\", \"400\"]}"));
    t_welcome(f, "llm", NULL, 0, NULL, 0);
    assert_int_equal(t_open(f), NN_OK);
    nn_tick_t t = t_tick(1, 0);
    nn_actions_t out;
    assert_int_equal(nn_node_step(f->node, 2, &t, &out, f->err, sizeof f->err), NN_OK);
    assert_int_equal(out.spend->http_4xx, T_N);
    assert_int_equal(out.spend->failed, T_N);
    assert_int_equal(out.spend->fallbacks, T_N);
    assert_int_equal(out.spend->retries, 0); /* a 400 is final */
    assert_int_equal(out.texts.n, 0);
    /* deffuant with d 0.5, mu 0.5, the agents' own generators: as deffuant's own agents */
    t_expect_as_reference(f, &out); /* out's arrays are f->node's: another node leaves them */
}

static void test_budget_spent_asks_nobody(void **state)
{
    t_fix_t *f = *state;
    t_server(f);
    t_section(
        f, f->srv.base,
        "{\"fallback\": {\"behaviour\": \"deffuant\", \"params\": {\"d\": 0.5, \"mu\": 0.5}}}");
    t_welcome(f, "llm", NULL, 0, NULL, 0);
    assert_int_equal(t_open(f), NN_OK);
    nn_tick_t t = t_tick(1, 1);
    nn_actions_t out;
    assert_int_equal(nn_node_step(f->node, 2, &t, &out, f->err, sizeof f->err), NN_OK);
    assert_int_equal(out.spend->budget_skipped, T_N);
    assert_int_equal(out.spend->asked, 0);
    assert_int_equal(out.spend->sent, 0);
    assert_int_equal(out.spend->fallbacks, T_N);
    assert_int_equal(t_stat(&f->srv, "requests"), 0);
    t_expect_as_reference(f, &out); /* out's arrays are f->node's: another node leaves them */
}

static void test_record_then_replay(void **state)
{
    t_fix_t *f = *state;
    t_server(f);
    char rec[128], extra[256];
    snprintf(rec, sizeof rec, "%s/rec.jsonl", f->dir);
    snprintf(extra, sizeof extra, "{\"record\": \"%s\"}", rec);
    t_section(f, f->srv.base, extra);
    t_welcome(f, "llm", NULL, 0, NULL, 0);
    assert_int_equal(t_open(f), NN_OK);
    nn_tick_t t = t_tick(1, 0);
    nn_actions_t out;
    double states[2][T_N];
    for (uint64_t r = 2; r <= 3; r++) {
        assert_int_equal(nn_node_step(f->node, r, &t, &out, f->err, sizeof f->err), NN_OK);
        memcpy(states[r - 2], out.state, sizeof states[0]);
    }
    nn_node_destroy(&f->node);
    t_srv_stop(&f->srv);
    f->has_srv = 0;
    /* the endpoint is gone and its URL points nowhere: every answer comes from the file */
    snprintf(extra, sizeof extra, "{\"replay\": \"%s\"}", rec);
    t_section(f, NULL, extra);
    t_welcome(f, "llm", NULL, 0, NULL, 0);
    assert_int_equal(t_open(f), NN_OK);
    for (uint64_t r = 2; r <= 3; r++) {
        assert_int_equal(nn_node_step(f->node, r, &t, &out, f->err, sizeof f->err), NN_OK);
        assert_int_equal(out.spend->replayed, T_N);
        assert_int_equal(out.spend->sent, 0);
        assert_int_equal(out.spend->attempts, 0);
        assert_int_equal(out.spend->fallbacks, 0);
        assert_memory_equal(out.state, states[r - 2], sizeof states[0]);
    }
    /* a round the file does not hold: counted, and the fallback (stubborn) acts */
    assert_int_equal(nn_node_step(f->node, 4, &t, &out, f->err, sizeof f->err), NN_OK);
    assert_int_equal(out.spend->replay_missed, T_N);
    assert_int_equal(out.spend->fallbacks, T_N);
    assert_memory_equal(out.state, states[1], sizeof states[1]); /* stubborn keeps them */
}

static void test_assignment_refused(void **state)
{
    t_fix_t *f = *state;
    t_welcome(f, "llm", NULL, 0, NULL, 0);
    f->w.llm = NULL;
    assert_int_equal(t_open(f), NN_EPROTO);
    assert_non_null(strstr(f->err, "needs the scenario's llm section"));

    unsetenv("NUNCHI_TEST_LLMB_KEY");
    t_section(f, NULL, NULL);
    json_t *o = json_loads(f->llm, 0, NULL);
    json_object_set_new(json_array_get(json_object_get(o, "endpoints"), 0), "api_key_env",
                        json_string("NUNCHI_TEST_LLMB_KEY"));
    free(f->llm);
    f->llm = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    t_welcome(f, "llm", NULL, 0, NULL, 0);
    assert_int_not_equal(t_open(f), NN_OK);
    assert_non_null(strstr(f->err, "NUNCHI_TEST_LLMB_KEY"));

    char extra[256];
    snprintf(extra, sizeof extra, "{\"replay\": \"%s/none.jsonl\"}", f->dir);
    t_section(f, NULL, extra);
    t_welcome(f, "llm", NULL, 0, NULL, 0);
    assert_int_not_equal(t_open(f), NN_OK);
    assert_non_null(strstr(f->err, "none.jsonl"));

    t_section(f, NULL, "{\"fallback\": {\"behaviour\": \"threshold\", \"params\": {}}}");
    t_welcome(f, "llm", NULL, 0, NULL, 0);
    assert_int_equal(t_open(f), NN_EPROTO);
    assert_non_null(strstr(f->err, "threshold"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_asks_and_acts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_cache_answers_the_same_question, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_repair_then_act, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_failures_let_the_fallback_act, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_budget_spent_asks_nobody, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_record_then_replay, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_assignment_refused, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
