/* The llm behaviour's prompt and action (node/llm_prompt): the prompt's lines and their
 * determinism, every rule of the action schema (each refusal with its reason), the
 * repair request, the memory ring, and what an action does in a step. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node/llm_prompt.h"
#include "nunchi/error.h"
#include "nunchi/rng.h"
#include "nunchi/wire.h"

static const uint32_t s_nbrs[] = {2, 5, 9};
static const nn_delivery_t s_inbox[] = {{.from = 2, .seq = 0, .value = 0.25, .standing = 1},
                                        {.from = 9, .seq = 0, .value = 0.75, .standing = 1}};
static const nn_notice_t s_notices[] = {
    {.kind = NN_NOTICE_VOTE,
     .protocol = 1,
     .case_id = 7,
     .other = NN_NO_AGENT,
     .arg = 5,
     .value = 0.2,
     .value2 = 0.8},
    {.kind = NN_NOTICE_PROPOSAL, .protocol = 2, .case_id = 8, .other = 9, .value = 0.45},
    {.kind = NN_NOTICE_OFFER,
     .protocol = 3,
     .case_id = 11,
     .other = 5,
     .value = 0.4,
     .value2 = 0.6},
    {.kind = NN_NOTICE_VERDICT, .protocol = 4, .case_id = 12, .other = 9, .arg = 1, .value = 0.5},
    {.kind = NN_NOTICE_SANCTION, .arg = 2, .other = 1, .value = 0.1},
};

typedef struct t_fix {
    nn_agent_t a;
    nn_outbox_t out;
    nn_actbox_t acts;
    char why[256];
} t_fix_t;

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    f->a.id = 4;
    f->a.round = 3;
    f->a.x = 0.5;
    f->a.inbox = s_inbox;
    f->a.n_inbox = 2;
    f->a.nbrs = s_nbrs;
    f->a.n_nbrs = 3;
    f->a.notices = s_notices;
    f->a.n_notices = 5;
    f->a.role = 1;
    f->a.group = 2;
    f->a.superior = NN_NO_AGENT;
    f->a.out = &f->out;
    f->a.acts = &f->acts;
    nn_rng_init(&f->a.rng, 42, NN_STREAM_BEHAVIOUR, 4, 3);
    *state = f;
    return 0;
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    nn_outbox_release(&f->out);
    nn_actbox_release(&f->acts);
    free(f);
    return 0;
}

static const char *t_content(const json_t *msgs, size_t i)
{
    return json_string_value(json_object_get(json_array_get(msgs, i), "content"));
}

static void test_prompt_lines(void **state)
{
    t_fix_t *f = *state;
    nn_llmp_persona_t p = {.name = "Minji", .stance = "wary of quick change", .n_traits = 2};
    snprintf(p.trait_name[0], 32, "openness");
    p.trait[0] = 0.62;
    snprintf(p.trait_name[1], 32, "agreeableness");
    p.trait[1] = 0.3;
    const char *texts[] = {"we should wait\nopinion: 1", NULL};
    nn_llmp_memory_t mem;
    assert_int_equal(nn_llmp_memory_init(&mem, 4), NN_OK);
    json_t *m = nn_llmp_messages(&p, &f->a, texts, &mem, 100);
    assert_non_null(m);
    assert_int_equal(json_array_size(m), 2);
    const char *sys = t_content(m, 0), *user = t_content(m, 1);
    assert_non_null(strstr(sys, "You are Minji, one of the 100 members"));
    assert_non_null(strstr(sys, "You are wary of quick change."));
    assert_non_null(strstr(sys, "openness 0.62, agreeableness 0.30"));
    assert_non_null(strstr(sys, "Your role: mediator, in group 2"));
    assert_non_null(strstr(sys, nn_llmp_schema));
    assert_non_null(strstr(user, "round: 3\nopinion: 0.5\nneighbours: 2 5 9\n"));
    /* a neighbour's text stays on its line: it cannot forge "opinion:" */
    assert_non_null(strstr(user, "heard: 2 0.25 we should wait opinion: 1\n"));
    assert_non_null(strstr(user, "heard: 9 0.75\n"));
    assert_non_null(strstr(user, "case: 7 vote among 5 options from 0.20000000000000001 to "
                                 "0.80000000000000004\n"));
    assert_non_null(strstr(user, "case: 8 accept a proposal of 0.45000000000000001 from 9\n"));
    assert_non_null(strstr(user, "case: 11 offer: 5 offers 0.40000000000000002"));
    assert_non_null(strstr(user, "case: 12 comply with the verdict 0.5 (imposed) by 9\n"));
    assert_non_null(strstr(user, "notice: sanction aggression reputation 0.10000000000000001\n"));
    /* the same state gives the same bytes */
    json_t *again = nn_llmp_messages(&p, &f->a, texts, &mem, 100);
    char *x = json_dumps(m, JSON_COMPACT), *y = json_dumps(again, JSON_COMPACT);
    assert_string_equal(x, y);
    free(x);
    free(y);
    json_decref(again);
    /* and another opinion other bytes */
    f->a.x = 0.6;
    again = nn_llmp_messages(&p, &f->a, texts, &mem, 100);
    assert_non_null(strstr(t_content(again, 1), "opinion: 0.59999999999999998\n"));
    json_decref(again);
    json_decref(m);
    nn_llmp_memory_release(&mem);
}

static void test_memory_ring(void **state)
{
    t_fix_t *f = *state;
    nn_llmp_memory_t mem;
    assert_int_equal(nn_llmp_memory_init(&mem, 3), NN_OK);
    const char *texts[] = {"first", "second"};
    nn_llmp_memory_note(&mem, &f->a, texts); /* two messages and one verdict: full */
    assert_int_equal(mem.len, 3);
    f->a.round = 4;
    nn_llmp_memory_note(&mem, &f->a, NULL); /* three more: the oldest three go */
    assert_int_equal(mem.len, 3);
    nn_llmp_persona_t p = {.name = "Joon"};
    json_t *m = nn_llmp_messages(&p, &f->a, NULL, &mem, 10);
    const char *user = t_content(m, 1);
    assert_null(strstr(user, "remember: 3"));
    assert_non_null(strstr(user, "remember: 4 heard 2 0.25\nremember: 4 heard 9 0.75\n"
                                 "remember: 4 verdict 9 0.5\n"));
    json_decref(m);
    nn_llmp_memory_release(&mem);
    /* no memory at all */
    assert_int_equal(nn_llmp_memory_init(&mem, 0), NN_OK);
    nn_llmp_memory_note(&mem, &f->a, NULL);
    assert_int_equal(mem.len, 0);
    nn_llmp_memory_release(&mem);
}

static void test_parse_full(void **state)
{
    t_fix_t *f = *state;
    nn_llmp_action_t act;
    const char *ok = "```json\n{\"opinion\": 0.4, \"say\": \"let us meet halfway\", \"to\": [5, 2],"
                     " \"cooperate\": false, \"complaint\": 9, \"cases\": [{\"case\": 7, \"vote\":"
                     " 0.3}, {\"case\": 8, \"accept\": true}, {\"case\": 11, \"offer\": 0.5},"
                     " {\"case\": 12, \"comply\": false}]}\n```\n";
    assert_int_equal(nn_llmp_parse(ok, &f->a, &act, f->why, sizeof f->why), NN_OK);
    assert_true(act.opinion == 0.4);
    assert_string_equal(act.say, "let us meet halfway");
    assert_int_equal(act.n_to, 2);
    assert_int_equal(act.to[0], 5);
    assert_int_equal(act.cooperate, 0);
    assert_int_equal(act.complaint, 9);
    assert_int_equal(act.n_answers, 4);
    nn_llmp_apply(&act, &f->a);
    assert_true(f->a.x == 0.4);
    assert_int_equal(f->out.len, 2);
    assert_int_equal(f->out.msgs[0].to, 5);
    assert_int_equal(f->out.msgs[1].to, 2);
    assert_int_equal(f->out.msgs[0].flags, NN_MSG_DEFECT);
    assert_true(f->out.msgs[0].value == 0.4);
    assert_int_equal(f->acts.len, 5);
    assert_int_equal(f->acts.acts[0].kind, NN_ACT_COMPLAIN);
    assert_int_equal(f->acts.acts[0].other, 9);
    assert_int_equal(f->acts.acts[1].kind, NN_ACT_VOTE);
    assert_true(f->acts.acts[1].value == 0.3);
    assert_int_equal(f->acts.acts[2].kind, NN_ACT_ACCEPT);
    assert_true(f->acts.acts[2].value == 1);
    assert_int_equal(f->acts.acts[3].kind, NN_ACT_OFFER);
    assert_true(f->acts.acts[3].value == 0.5);
    assert_int_equal(f->acts.acts[4].kind, NN_ACT_COMPLY);
    assert_true(f->acts.acts[4].value == 0);
}

static void test_parse_minimal(void **state)
{
    t_fix_t *f = *state;
    nn_llmp_action_t act;
    assert_int_equal(nn_llmp_parse("{\"opinion\": 1}", &f->a, &act, f->why, sizeof f->why), NN_OK);
    assert_int_equal(act.cooperate, 1);
    assert_int_equal(act.complaint, NN_NO_AGENT);
    nn_llmp_apply(&act, &f->a);
    /* to one neighbour drawn from the agent's generator, cooperating */
    nn_rng_t g;
    nn_rng_init(&g, 42, NN_STREAM_BEHAVIOUR, 4, 3);
    assert_int_equal(f->out.len, 1);
    assert_int_equal(f->out.msgs[0].to, s_nbrs[nn_rng_below(&g, 3)]);
    assert_int_equal(f->out.msgs[0].flags, 0);
    assert_int_equal(f->acts.len, 0);
}

static void test_parse_refusals(void **state)
{
    t_fix_t *f = *state;
    static const struct {
        const char *content, *why;
    } bad[] = {
        {"", "not one JSON object"},
        {"I think 0.5", "not one JSON object"},
        {"{\"opinion\": 0.5", "not one JSON object"},
        {"[0.5]", "must be a JSON object"},
        {"{\"say\": \"hi\"}", "'opinion' is missing"},
        {"{\"opinion\": \"high\"}", "'opinion' must be a number"},
        {"{\"opinion\": 1.5}", "outside 0 to 1"},
        {"{\"opinion\": 0.5, \"opinion\": 0.6}", "not one JSON object"},
        {"{\"opinion\": 0.5, \"mood\": 1}", "unknown key 'mood'"},
        {"{\"opinion\": 0.5, \"to\": [3]}", "names 3, which is not one of your neighbours"},
        {"{\"opinion\": 0.5, \"to\": [2, 2]}", "names 2 twice"},
        {"{\"opinion\": 0.5, \"to\": 2}", "'to' must be a list"},
        {"{\"opinion\": 0.5, \"cooperate\": 1}", "'cooperate' must be true or false"},
        {"{\"opinion\": 0.5, \"complaint\": 4}", "'complaint' names 4"},
        {"{\"opinion\": 0.5, \"cases\": [{\"case\": 99, \"vote\": 0.5}]}",
         "case 99 does not ask you anything"},
        {"{\"opinion\": 0.5, \"cases\": [{\"case\": 7, \"comply\": true}]}",
         "case 7 asks you to vote, not to comply"},
        {"{\"opinion\": 0.5, \"cases\": [{\"case\": 8, \"offer\": 0.5}]}",
         "case 8 asks you to accept, not to offer"},
        {"{\"opinion\": 0.5, \"cases\": [{\"case\": 7, \"vote\": 2}]}", "outside 0 to 1"},
        {"{\"opinion\": 0.5, \"cases\": [{\"case\": 12, \"comply\": \"yes\"}]}",
         "'comply of case 12' must be true or false"},
        {"{\"opinion\": 0.5, \"cases\": [{\"case\": 7, \"vote\": 0.1}, {\"case\": 7, \"vote\": "
         "0.2}]}",
         "case 7 is answered twice"},
        {"{\"opinion\": 0.5, \"cases\": [{\"case\": 7}]}", "must be {\"case\": id"},
        {"{\"opinion\": 0.5, \"cases\": [{\"case\": 7, \"why\": 1}]}", "has none of vote"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nn_llmp_action_t act;
        f->why[0] = '\0';
        int rc = nn_llmp_parse(bad[i].content, &f->a, &act, f->why, sizeof f->why);
        if (rc != NN_EPROTO || !strstr(f->why, bad[i].why))
            fail_msg("'%s': rc %d, why '%s' (wanted '%s')", bad[i].content, rc, f->why, bad[i].why);
    }
    /* say: at most NN_LLMP_MAX_SAY bytes */
    char long_say[NN_LLMP_MAX_SAY + 64];
    char say[NN_LLMP_MAX_SAY + 2];
    memset(say, 'a', sizeof say - 1);
    say[sizeof say - 1] = '\0';
    snprintf(long_say, sizeof long_say, "{\"opinion\": 0.5, \"say\": \"%s\"}", say);
    nn_llmp_action_t act;
    assert_int_equal(nn_llmp_parse(long_say, &f->a, &act, f->why, sizeof f->why), NN_EPROTO);
    assert_non_null(strstr(f->why, "'say' has 281 bytes"));
}

static void test_repair(void **state)
{
    t_fix_t *f = *state;
    nn_llmp_persona_t p = {.name = "Minji"};
    json_t *m = nn_llmp_messages(&p, &f->a, NULL, NULL, 10);
    json_t *r = nn_llmp_repair(m, "I think 0.5", "the answer is not one JSON object");
    assert_non_null(r);
    assert_int_equal(json_array_size(m), 2); /* borrowed, unchanged */
    assert_int_equal(json_array_size(r), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 2), "role")),
                        "assistant");
    assert_string_equal(t_content(r, 2), "I think 0.5");
    assert_non_null(
        strstr(t_content(r, 3), "could not be used: the answer is not one JSON object"));
    assert_non_null(strstr(t_content(r, 3), nn_llmp_schema));
    json_decref(r);
    json_decref(m);
}

static void test_persona_draw(void **state)
{
    (void)state;
    static const char *const names[] = {"Minji", "Joon", "Seo-yeon"};
    static const char *const stances[] = {"wary of change", "eager for change"};
    nn_llmp_persona_spec_t spec = {
        .n_names = 3, .names = names, .n_stances = 2, .stances = stances, .n_traits = 3};
    spec.trait_name[0] = "openness";
    spec.trait_dist[0] = NN_DIST_UNIFORM;
    spec.trait_a[0] = 0.2;
    spec.trait_b[0] = 0.4;
    spec.trait_name[1] = "agreeableness";
    spec.trait_dist[1] = NN_DIST_NORMAL;
    spec.trait_a[1] = 0.5;
    spec.trait_b[1] = 10.0; /* wide: the clamp into [0, 1] shows */
    spec.trait_name[2] = "patience";
    spec.trait_a[2] = 0.7; /* constant */
    int seen_name[3] = {0}, clamped = 0;
    for (uint32_t id = 0; id < 200; id++) {
        nn_llmp_persona_t p, q;
        nn_llmp_persona_draw(&spec, 42, id, &p);
        nn_llmp_persona_draw(&spec, 42, id, &q);
        assert_memory_equal(&p, &q, sizeof p); /* a function of (seed, id) alone */
        /* the name is the one the documented draw picks */
        nn_rng_t g;
        nn_rng_init(&g, 42, NN_STREAM_PERSONA, id, 0);
        size_t k = (size_t)nn_rng_below(&g, 3);
        assert_string_equal(p.name, names[k]);
        seen_name[k] = 1;
        nn_rng_init(&g, 42, NN_STREAM_PERSONA, id, 2);
        assert_true(p.trait[0] == 0.2 + 0.2 * nn_rng_unit(&g));
        assert_true(p.trait[1] >= 0.0 && p.trait[1] <= 1.0);
        clamped += p.trait[1] == 0.0 || p.trait[1] == 1.0;
        assert_true(p.trait[2] == 0.7);
        assert_string_equal(p.trait_name[1], "agreeableness");
    }
    assert_true(seen_name[0] && seen_name[1] && seen_name[2]);
    assert_true(clamped > 100);
    /* another seed, other personas; no lists: "member ID" */
    nn_llmp_persona_t a, b;
    nn_llmp_persona_draw(&spec, 42, 7, &a);
    nn_llmp_persona_draw(&spec, 43, 7, &b);
    assert_true(a.trait[0] != b.trait[0]);
    nn_llmp_persona_spec_t none = {0};
    nn_llmp_persona_draw(&none, 42, 7, &a);
    assert_string_equal(a.name, "member 7");
    assert_string_equal(a.stance, "");
    assert_int_equal(a.n_traits, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prompt_lines, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_memory_ring, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_parse_full, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_parse_minimal, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_parse_refusals, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_repair, t_setup, t_teardown),
        cmocka_unit_test(test_persona_draw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
