/* Tests of coordinator/faults.c: a loss takes its share of the messages, only in its
 * rounds, by a draw of (seed, round, sender, seq) that does not depend on the order the
 * messages are asked in; two losses draw independently; a partition cuts exactly the
 * messages between its sides (halves, groups, random halves); silent agents lose every message from
 * and to them, listed or drawn; byzantine agents' lies (the opposite, or a fresh draw per slot) in
 * their rounds only. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "faults.h"

static nn_faults_config_t t_one(nn_fault_kind_t kind, double p, uint64_t a, uint64_t b,
                                nn_fault_between_t between)
{
    nn_faults_config_t c;
    memset(&c, 0, sizeof c);
    c.n = 1;
    c.f[0].kind = kind;
    c.f[0].p = p;
    c.f[0].from_round = a;
    c.f[0].to_round = b;
    c.f[0].between = between;
    return c;
}

static void test_none_is_null(void **state)
{
    (void)state;
    nn_faults_config_t c = {0};
    nn_faults_t *f = (nn_faults_t *)1;
    assert_int_equal(nn_faults_new(&f, &c, 10, NULL, 1), 0);
    assert_null(f);
    nn_msg_t m = {0, 1, 0.5, 0.0f, 0};
    assert_int_equal(nn_faults_check(NULL, &m, 0), NN_DROP_PASS);
}

static void test_loss_share_and_rounds(void **state)
{
    (void)state;
    nn_faults_config_t c = t_one(NN_FAULT_LOSS, 0.3, 3, 5, NN_BETWEEN_HALVES);
    nn_faults_t *f = NULL;
    assert_int_equal(nn_faults_new(&f, &c, 1000, NULL, 42), 0);
    for (uint64_t r = 1; r <= 7; r++) {
        nn_faults_begin(f, r);
        size_t lost = 0, n = 0;
        for (uint32_t from = 0; from < 1000; from++)
            for (uint32_t seq = 0; seq < 50; seq++) {
                nn_msg_t m = {from, (from + 1) % 1000, 0.5, 0.0f, 0};
                nn_drop_rule_t d = nn_faults_check(f, &m, seq);
                assert_true(d == NN_DROP_PASS || d == NN_DROP_FAULT_LOSS);
                lost += d == NN_DROP_FAULT_LOSS;
                n++;
            }
        if (r >= 3 && r <= 5)
            assert_true(lost > 0.29 * n && lost < 0.31 * n);
        else
            assert_int_equal(lost, 0);
    }
    nn_faults_destroy(&f);
    assert_null(f);
}

static void test_loss_is_a_function_of_the_message(void **state)
{
    (void)state;
    nn_faults_config_t c = t_one(NN_FAULT_LOSS, 0.5, 1, UINT64_MAX, NN_BETWEEN_HALVES);
    nn_faults_t *a = NULL, *b = NULL, *other = NULL;
    assert_int_equal(nn_faults_new(&a, &c, 100, NULL, 7), 0);
    assert_int_equal(nn_faults_new(&b, &c, 100, NULL, 7), 0);
    assert_int_equal(nn_faults_new(&other, &c, 100, NULL, 8), 0);
    nn_faults_begin(a, 4);
    nn_faults_begin(b, 4);
    nn_faults_begin(other, 4);
    uint8_t fwd[100 * 20];
    for (uint32_t i = 0; i < 100 * 20; i++) {
        nn_msg_t m = {i / 20, 0, 0.5, 0.0f, 0};
        fwd[i] = nn_faults_check(a, &m, i % 20) == NN_DROP_FAULT_LOSS;
    }
    size_t differ = 0, diff_to = 0;
    for (uint32_t i = 100 * 20; i-- > 0;) { /* backwards, another receiver: the same */
        nn_msg_t m = {i / 20, 99, 0.9, 0.0f, 0};
        assert_int_equal(nn_faults_check(b, &m, i % 20) == NN_DROP_FAULT_LOSS, fwd[i]);
        differ += (nn_faults_check(other, &m, i % 20) == NN_DROP_FAULT_LOSS) != fwd[i];
    }
    nn_faults_begin(b, 5); /* another round draws anew */
    for (uint32_t i = 0; i < 100 * 20; i++) {
        nn_msg_t m = {i / 20, 0, 0.5, 0.0f, 0};
        diff_to += (nn_faults_check(b, &m, i % 20) == NN_DROP_FAULT_LOSS) != fwd[i];
    }
    assert_true(differ > 800 && differ < 1200); /* another seed: half of them differ */
    assert_true(diff_to > 800 && diff_to < 1200);
    nn_faults_destroy(&a);
    nn_faults_destroy(&b);
    nn_faults_destroy(&other);
}

static void test_two_losses_independent(void **state)
{
    (void)state;
    nn_faults_config_t c = t_one(NN_FAULT_LOSS, 0.5, 1, 10, NN_BETWEEN_HALVES);
    c.n = 2;
    c.f[1] = c.f[0];
    nn_faults_t *f = NULL;
    assert_int_equal(nn_faults_new(&f, &c, 1000, NULL, 1), 0);
    nn_faults_begin(f, 2);
    size_t lost = 0, n = 0;
    for (uint32_t from = 0; from < 1000; from++)
        for (uint32_t seq = 0; seq < 40; seq++, n++) {
            nn_msg_t m = {from, 0, 0.5, 0.0f, 0};
            lost += nn_faults_check(f, &m, seq) == NN_DROP_FAULT_LOSS;
        }
    /* 1 - 0.5 * 0.5: the second loss takes half of what the first let through */
    assert_true(lost > 0.74 * n && lost < 0.76 * n);
    nn_faults_destroy(&f);
}

static void test_partition_sides(void **state)
{
    (void)state;
    static const uint32_t group[6] = {0, 0, 1, 1, 2, 2};
    nn_faults_config_t c = t_one(NN_FAULT_PARTITION, 0, 2, 3, NN_BETWEEN_HALVES);
    nn_faults_t *f = NULL;
    assert_int_equal(nn_faults_new(&f, &c, 6, group, 1), 0);
    nn_faults_begin(f, 2);
    for (uint32_t a = 0; a < 6; a++)
        for (uint32_t b = 0; b < 6; b++) {
            nn_msg_t m = {a, b, 0.5, 0.0f, 0};
            nn_drop_rule_t want = (a < 3) != (b < 3) ? NN_DROP_FAULT_PARTITION : NN_DROP_PASS;
            assert_int_equal(nn_faults_check(f, &m, 0), want);
        }
    nn_faults_begin(f, 4); /* over */
    nn_msg_t m = {0, 5, 0.5, 0.0f, 0};
    assert_int_equal(nn_faults_check(f, &m, 0), NN_DROP_PASS);
    nn_faults_destroy(&f);

    c = t_one(NN_FAULT_PARTITION, 0, 1, 1, NN_BETWEEN_GROUPS);
    assert_int_equal(nn_faults_new(&f, &c, 6, group, 1), 0);
    nn_faults_begin(f, 1);
    for (uint32_t a = 0; a < 6; a++)
        for (uint32_t b = 0; b < 6; b++) {
            nn_msg_t mm = {a, b, 0.5, 0.0f, 0};
            nn_drop_rule_t want = group[a] != group[b] ? NN_DROP_FAULT_PARTITION : NN_DROP_PASS;
            assert_int_equal(nn_faults_check(f, &mm, 0), want);
        }
    nn_faults_destroy(&f);
}

static void test_silent_agents(void **state)
{
    (void)state;
    nn_faults_config_t c = t_one(NN_FAULT_SILENT, 0, 2, 2, NN_BETWEEN_HALVES);
    c.f[0].n_agents = 2;
    c.f[0].agents[0] = 1;
    c.f[0].agents[1] = 4;
    nn_faults_t *f = NULL;
    assert_int_equal(nn_faults_new(&f, &c, 6, NULL, 1), 0);
    nn_faults_begin(f, 2);
    for (uint32_t a = 0; a < 6; a++)
        for (uint32_t b = 0; b < 6; b++) {
            nn_msg_t m = {a, b, 0.5, 0.0f, 0};
            int silent = a == 1 || a == 4 || b == 1 || b == 4;
            assert_int_equal(nn_faults_check(f, &m, 0),
                             silent ? NN_DROP_FAULT_SILENT : NN_DROP_PASS);
        }
    nn_faults_begin(f, 3);
    nn_msg_t m = {1, 4, 0.5, 0.0f, 0};
    assert_int_equal(nn_faults_check(f, &m, 0), NN_DROP_PASS);
    nn_faults_destroy(&f);
    /* drawn: about share of the agents, the same ones for the same seed */
    c = t_one(NN_FAULT_SILENT, 0, 1, 1, NN_BETWEEN_HALVES);
    c.f[0].share = 0.1;
    nn_faults_t *g = NULL, *h = NULL;
    assert_int_equal(nn_faults_new(&g, &c, 10000, NULL, 9), 0);
    assert_int_equal(nn_faults_new(&h, &c, 10000, NULL, 9), 0);
    nn_faults_begin(g, 1);
    nn_faults_begin(h, 1);
    size_t silent = 0;
    for (uint32_t a = 0; a < 10000; a++) {
        nn_msg_t mm = {a, a, 0.5, 0.0f, 0};
        int s1 = nn_faults_check(g, &mm, 0) == NN_DROP_FAULT_SILENT;
        assert_int_equal(s1, nn_faults_check(h, &mm, 3) == NN_DROP_FAULT_SILENT);
        silent += s1;
    }
    assert_true(silent > 900 && silent < 1100);
    nn_faults_destroy(&g);
    nn_faults_destroy(&h);
}

static void test_byzantine_lies(void **state)
{
    (void)state;
    nn_faults_config_t c = t_one(NN_FAULT_BYZANTINE, 0, 1, 5, NN_BETWEEN_HALVES);
    c.f[0].n_agents = 1;
    c.f[0].agents[0] = 2;
    c.f[0].mode = NN_BYZANTINE_ADVERSARIAL;
    nn_faults_t *f = NULL;
    assert_int_equal(nn_faults_new(&f, &c, 4, NULL, 1), 0);
    nn_faults_begin(f, 3);
    assert_true(nn_faults_lying(f));
    assert_int_equal(nn_faults_liar(f, 1), 0);
    size_t k = nn_faults_liar(f, 2);
    assert_int_equal(k, 1);
    assert_true(nn_faults_lie(f, k, 2, 0, 0.25, 0) == 0.75);
    assert_true(nn_faults_lie(f, k, 2, 0, 1.0, 1) == 0.0);
    assert_true(nn_faults_lie(f, k, 2, 0, 0.0, 1) == 1.0);
    /* a byzantine fault drops nothing */
    nn_msg_t m = {2, 1, 0.5, 0.0f, 0};
    assert_int_equal(nn_faults_check(f, &m, 0), NN_DROP_PASS);
    nn_faults_begin(f, 6);
    assert_false(nn_faults_lying(f));
    assert_int_equal(nn_faults_liar(f, 2), 0);
    nn_faults_destroy(&f);

    c.f[0].mode = NN_BYZANTINE_RANDOM;
    assert_int_equal(nn_faults_new(&f, &c, 4, NULL, 1), 0);
    nn_faults_begin(f, 3);
    double sum = 0, first = nn_faults_lie(f, 1, 2, 0, 0.5, 0);
    size_t ones = 0, differ = 0;
    for (uint32_t slot = 0; slot < 4000; slot++) {
        double v = nn_faults_lie(f, 1, 2, slot, 0.5, 0);
        assert_true(v >= 0 && v < 1);
        sum += v;
        differ += v != first;
        double b = nn_faults_lie(f, 1, 2, slot, 1.0, 1);
        assert_true(b == 0.0 || b == 1.0);
        ones += b == 1.0;
    }
    assert_true(sum / 4000 > 0.47 && sum / 4000 < 0.53);
    assert_true(ones > 1850 && ones < 2150);
    assert_true(differ > 3990);
    assert_true(nn_faults_lie(f, 1, 2, 7, 0.5, 0) == nn_faults_lie(f, 1, 2, 7, 0.9, 0));
    nn_faults_destroy(&f);
}

static void test_delay_and_duplicate(void **state)
{
    (void)state;
    nn_faults_config_t c = t_one(NN_FAULT_DELAY, 0.2, 2, 3, NN_BETWEEN_HALVES);
    c.f[0].delay = 3;
    c.n = 2;
    c.f[1] = c.f[0];
    c.f[1].kind = NN_FAULT_DUPLICATE;
    c.f[1].p = 0.1;
    nn_faults_t *f = NULL;
    assert_int_equal(nn_faults_new(&f, &c, 1000, NULL, 5), 0);
    nn_faults_begin(f, 1);
    assert_false(nn_faults_reshaping(f));
    nn_faults_begin(f, 2);
    assert_true(nn_faults_reshaping(f));
    nn_msg_t m = {1, 2, 0.5, 0.0f, 0};
    assert_int_equal(nn_faults_check(f, &m, 0), NN_DROP_PASS); /* they drop nothing */
    size_t held = 0, twice = 0, n = 0;
    for (uint32_t from = 0; from < 1000; from++)
        for (uint32_t seq = 0; seq < 20; seq++, n++) {
            nn_delivery_t d = {from, seq, 0.5, 0, 1.0f, 0};
            uint32_t late = 0;
            nn_router_fate_t fate = nn_faults_fate(f, 7, &d, &late);
            /* a function of the message: another receiver, the same fate */
            uint32_t late2 = 0;
            assert_int_equal(nn_faults_fate(f, 8, &d, &late2), fate);
            if (fate == NN_FATE_HOLD) {
                assert_int_equal(late, 3);
                held++;
            }
            twice += fate == NN_FATE_TWICE;
        }
    assert_true(held > 0.19 * n && held < 0.21 * n);
    /* the duplicate takes 0.1 of what the delay did not */
    assert_true(twice > 0.07 * n && twice < 0.09 * n);
    nn_faults_begin(f, 4);
    nn_delivery_t d = {1, 1, 0.5, 0, 1.0f, 0};
    uint32_t late = 0;
    assert_int_equal(nn_faults_fate(f, 0, &d, &late), NN_FATE_DELIVER);
    assert_string_equal(nn_fault_kind_name(NN_FAULT_DELAY), "delay");
    assert_string_equal(nn_fault_kind_name(NN_FAULT_DUPLICATE), "duplicate");
    nn_faults_destroy(&f);
}

static void test_scoped_loss_and_delay(void **state)
{
    (void)state;
    static const uint32_t group[6] = {0, 0, 1, 1, 2, 2};
    /* every message lost (p 1), but only between groups */
    nn_faults_config_t c = t_one(NN_FAULT_LOSS, 1.0, 1, 9, NN_BETWEEN_HALVES);
    c.f[0].links = NN_LINKS_BETWEEN_GROUPS;
    nn_faults_t *f = NULL;
    assert_int_equal(nn_faults_new(&f, &c, 6, group, 1), 0);
    nn_faults_begin(f, 1);
    for (uint32_t a = 0; a < 6; a++)
        for (uint32_t b = 0; b < 6; b++) {
            nn_msg_t m = {a, b, 0.5, 0.0f, 0};
            assert_int_equal(nn_faults_check(f, &m, 0),
                             group[a] != group[b] ? NN_DROP_FAULT_LOSS : NN_DROP_PASS);
        }
    nn_faults_destroy(&f);
    /* within groups, and only from senders 0 and 3 */
    c.f[0].links = NN_LINKS_WITHIN_GROUPS;
    c.f[0].n_agents = 2;
    c.f[0].agents[0] = 0;
    c.f[0].agents[1] = 3;
    assert_int_equal(nn_faults_new(&f, &c, 6, group, 1), 0);
    nn_faults_begin(f, 1);
    for (uint32_t a = 0; a < 6; a++)
        for (uint32_t b = 0; b < 6; b++) {
            nn_msg_t m = {a, b, 0.5, 0.0f, 0};
            int lost = (a == 0 || a == 3) && group[a] == group[b];
            assert_int_equal(nn_faults_check(f, &m, 0), lost ? NN_DROP_FAULT_LOSS : NN_DROP_PASS);
        }
    nn_faults_destroy(&f);
    /* a delay of every message from 5 only */
    c = t_one(NN_FAULT_DELAY, 1.0, 1, 9, NN_BETWEEN_HALVES);
    c.f[0].delay = 2;
    c.f[0].n_agents = 1;
    c.f[0].agents[0] = 5;
    assert_int_equal(nn_faults_new(&f, &c, 6, group, 1), 0);
    nn_faults_begin(f, 1);
    for (uint32_t a = 0; a < 6; a++) {
        nn_delivery_t d = {a, 0, 0.5, 0, 1.0f, 0};
        uint32_t late = 0;
        assert_int_equal(nn_faults_fate(f, 1, &d, &late), a == 5 ? NN_FATE_HOLD : NN_FATE_DELIVER);
    }
    assert_string_equal(nn_fault_links_name(NN_LINKS_BETWEEN_GROUPS), "between_groups");
    nn_faults_destroy(&f);
}

/* between: random cuts about half of a ring's links, where the id halves cut two; both
 * directions of a link alike; the sides are the seed's */
static void test_partition_random(void **state)
{
    (void)state;
    const uint32_t n = 1000;
    nn_faults_config_t c = t_one(NN_FAULT_PARTITION, 0, 1, UINT64_MAX, NN_BETWEEN_RANDOM);
    nn_faults_config_t h = t_one(NN_FAULT_PARTITION, 0, 1, UINT64_MAX, NN_BETWEEN_HALVES);
    nn_faults_t *f = NULL, *same = NULL, *other = NULL, *halves = NULL;
    assert_int_equal(nn_faults_new(&f, &c, n, NULL, 5), 0);
    assert_int_equal(nn_faults_new(&same, &c, n, NULL, 5), 0);
    assert_int_equal(nn_faults_new(&other, &c, n, NULL, 6), 0);
    assert_int_equal(nn_faults_new(&halves, &h, n, NULL, 5), 0);
    nn_faults_begin(f, 1);
    nn_faults_begin(same, 1);
    nn_faults_begin(other, 1);
    nn_faults_begin(halves, 1);
    size_t cut = 0, cut_halves = 0, differ = 0;
    for (uint32_t a = 0; a < n; a++) {
        nn_msg_t fwd = {a, (a + 1) % n, 0.5, 0.0f, 0}, back = {(a + 1) % n, a, 0.5, 0.0f, 0};
        nn_drop_rule_t d = nn_faults_check(f, &fwd, 0);
        assert_true(d == NN_DROP_PASS || d == NN_DROP_FAULT_PARTITION);
        assert_int_equal(nn_faults_check(f, &back, 3), d);
        assert_int_equal(nn_faults_check(same, &fwd, 0), d);
        differ += nn_faults_check(other, &fwd, 0) != d;
        cut += d == NN_DROP_FAULT_PARTITION;
        cut_halves += nn_faults_check(halves, &fwd, 0) == NN_DROP_FAULT_PARTITION;
        nn_msg_t self = {a, a, 0.5, 0.0f, 0};
        assert_int_equal(nn_faults_check(f, &self, 0), NN_DROP_PASS);
    }
    assert_int_equal(cut_halves, 2);
    assert_true(cut > 420 && cut < 580);
    assert_true(differ > 300);
    nn_faults_begin(f, 1);
    assert_string_equal(nn_fault_between_name(NN_BETWEEN_RANDOM), "random");
    nn_faults_destroy(&f);
    nn_faults_destroy(&same);
    nn_faults_destroy(&other);
    nn_faults_destroy(&halves);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(nn_fault_kind_name(NN_FAULT_LOSS), "loss");
    assert_string_equal(nn_fault_kind_name(NN_FAULT_PARTITION), "partition");
    assert_string_equal(nn_fault_between_name(NN_BETWEEN_GROUPS), "groups");
    assert_string_equal(nn_fault_kind_name(NN_FAULT_SILENT), "silent");
    assert_string_equal(nn_fault_kind_name(NN_FAULT_BYZANTINE), "byzantine");
    assert_string_equal(nn_byzantine_mode_name(NN_BYZANTINE_ADVERSARIAL), "adversarial");
    assert_string_equal(nn_drop_rule_name(NN_DROP_FAULT_SILENT), "fault_silent");
    assert_string_equal(nn_drop_rule_name(NN_DROP_FAULT_LOSS), "fault_loss");
    assert_string_equal(nn_drop_rule_name(NN_DROP_FAULT_PARTITION), "fault_partition");
    assert_false(NN_DROP_IS_NORM(NN_DROP_FAULT_LOSS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none_is_null),
        cmocka_unit_test(test_loss_share_and_rounds),
        cmocka_unit_test(test_loss_is_a_function_of_the_message),
        cmocka_unit_test(test_two_losses_independent),
        cmocka_unit_test(test_partition_sides),
        cmocka_unit_test(test_silent_agents),
        cmocka_unit_test(test_byzantine_lies),
        cmocka_unit_test(test_delay_and_duplicate),
        cmocka_unit_test(test_scoped_loss_and_delay),
        cmocka_unit_test(test_partition_random),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
