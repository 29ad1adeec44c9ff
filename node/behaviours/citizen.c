/* The citizen: an agent that lives inside the society's institutions. It answers the
 * cases it is in (votes, proposals, offers, deliberation, verdicts), is made cautious by
 * sanctions, weighs what it hears by the sender's standing within a tolerance, bears
 * grudges against those outside it and complains after `patience` rounds of them, adopts
 * trends by social proof, and plays the cooperation game with a window of neighbours.
 * The order of its random draws is part of the contract (other implementations must
 * reproduce the digests): one unit draw per contested verdict, in notice order, then one
 * below(n_nbrs) for the window start and one unit draw per recipient.
 * docs/society.md (the citizen) gives the step with every formula. */
#include <math.h>

#include "nunchi/behaviour.h"
#include "nunchi/wire.h" /* NN_NO_AGENT */

/* Parameter indices, in spec order. */
enum {
    P_TOLERANCE = 0,
    P_OPENNESS,
    P_CONFORMITY,
    P_SOCIABILITY,
    P_SENSITIVITY,
    P_THRESHOLD,
    P_COOPERATIVENESS,
    P_COMPLIANCE,
    P_PATIENCE,
    P_CONCESSION,
    P_PEACE,
    P_FORGETTING,
    P_COUNT
};

static const nn_param_spec_t s_params[P_COUNT] = {
    {"tolerance", 0.25, 0.0, 1.0, "opinions this close are heard; farther ones are grievances"},
    {"openness", 0.3, 0.0, 1.0, "how far it moves towards what it hears and deliberates"},
    {"conformity", 0.5, 0.0, 1.0,
     "weight of the sender's standing, and how far a complied verdict moves it"},
    {"sociability", 3.0, 0.0, 64.0, "neighbours it messages a round (integer part)"},
    {"sensitivity", 0.5, 0.0, 1.0, "lowers the share of senders that makes it adopt a trend"},
    {"threshold", 0.5, 0.0, 1.0, "share of senders with a trend that makes it adopt it"},
    {"cooperativeness", 0.7, 0.0, 1.0, "chance to cooperate with an agreeing neighbour"},
    {"compliance", 0.8, 0.0, 1.0, "chance to comply with an imposed verdict of full standing"},
    {"patience", 3.0, 1.0, 255.0, "rounds of grievances before it complains (integer part)"},
    {"concession", 0.2, 0.0, 1.0, "share of the gap it concedes with each counter-offer"},
    {"peace", 5.0, 0.0, 255.0, "rounds without grievances after a settlement (integer part)"},
    {"forgetting", 0.0, 0.0, 255.0,
     "rounds without a sanction that take one step of caution away (integer part; 0: never)"},
};

/* The memory word: strikes in bits 0-7, caution in 8-15, peace rounds left in 16-23,
 * rounds since the last sanction in 24-31 (kept only when forgetting is on). */
#define S_CAUTION_MAX 15u

/* The integer part of a parameter, within [lo, hi] (the node already clamps drawn values
 * to the spec range; this keeps a hand-made agent from wrapping an unsigned). */
static unsigned s_int(double v, unsigned lo, unsigned hi)
{
    if (!(v >= (double)lo))
        return lo;
    if (v >= (double)hi)
        return hi;
    return (unsigned)v;
}

/* The last delivery from `from` in an inbox sorted by (from, seq), or NULL. */
static const nn_delivery_t *s_last_from(const nn_delivery_t *in, size_t n, uint32_t from)
{
    size_t lo = 0, hi = n; /* first index with in[i].from > from */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (in[mid].from <= from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && in[lo - 1].from == from ? &in[lo - 1] : NULL;
}

static void s_step(nn_agent_t *a)
{
    const double *pr = a->params;
    const double tau = pr[P_TOLERANCE], openness = pr[P_OPENNESS], conformity = pr[P_CONFORMITY];
    const unsigned sociability = s_int(pr[P_SOCIABILITY], 0, 64);
    const unsigned patience = s_int(pr[P_PATIENCE], 1, 255);
    const unsigned peace_len = s_int(pr[P_PEACE], 0, 255);
    const unsigned forgetting = s_int(pr[P_FORGETTING], 0, 255);

    unsigned strikes = (unsigned)(a->memory & 0xffu);
    unsigned caution = (unsigned)((a->memory >> 8) & 0xffu);
    unsigned peace = (unsigned)((a->memory >> 16) & 0xffu);
    unsigned quiet = (unsigned)((a->memory >> 24) & 0xffu);
    int sanctioned = 0;
    if (caution > S_CAUTION_MAX)
        caution = S_CAUTION_MAX;
    double x = a->x;

    /* 1. notices, in the coordinator's order; each sees the x the previous ones left */
    for (size_t k = 0; k < a->n_notices; k++) {
        const nn_notice_t *nt = &a->notices[k];
        switch (nt->kind) {
        case NN_NOTICE_SANCTION:
            if (caution < S_CAUTION_MAX)
                caution++;
            sanctioned = 1;
            break;
        case NN_NOTICE_VOTE: nn_act(a, NN_ACT_VOTE, nt->case_id, NN_NO_AGENT, x); break;
        case NN_NOTICE_PROPOSAL:
            nn_act(a, NN_ACT_ACCEPT, nt->case_id, NN_NO_AGENT, fabs(nt->value - x) <= tau ? 1 : 0);
            break;
        case NN_NOTICE_OFFER:
            if (fabs(nt->value - x) <= tau)
                nn_act(a, NN_ACT_ACCEPT, nt->case_id, NN_NO_AGENT, 1);
            else
                nn_act(a, NN_ACT_OFFER, nt->case_id, NN_NO_AGENT,
                       nt->value2 + pr[P_CONCESSION] * (nt->value - nt->value2));
            break;
        case NN_NOTICE_DELIBERATE: x += openness * (nt->value - x); break;
        case NN_NOTICE_VERDICT: {
            int comply = 1;
            if (nt->arg != NN_OUTCOME_AGREED) {
                /* the decider's standing lends the verdict force; caution does the rest */
                double q = pr[P_COMPLIANCE] * fmin(1.0, nt->value2);
                double p = q + (1.0 - q) * ((double)caution / 15.0);
                comply = nn_rng_unit(&a->rng) < p;
            }
            if (comply) {
                nn_act(a, NN_ACT_COMPLY, nt->case_id, NN_NO_AGENT, 1);
                x += conformity * (nt->value - x);
                peace = peace_len;
            } else {
                nn_act(a, NN_ACT_COMPLY, nt->case_id, NN_NO_AGENT, 0);
            }
            break;
        }
        case NN_NOTICE_CLOSED:
            if (nt->arg == NN_OUTCOME_TOLERATED)
                peace = peace_len;
            break;
        default: break;
        }
    }

    /* 2. the inbox against the x after the notices: a standing-weighted mean of what lies
     * within tau; the rest are grievances unless at peace */
    double sw = 0.0, swd = 0.0, worst = -1.0;
    int grievance = 0;
    uint32_t culprit = NN_NO_AGENT;
    for (size_t i = 0; i < a->n_inbox; i++) {
        const nn_delivery_t *dv = &a->inbox[i];
        double diff = dv->value - x, d = fabs(diff);
        if (d <= tau) {
            double w = (1.0 - conformity) + conformity * fmin((double)dv->standing, 2.0);
            sw += w;
            swd += w * diff;
        } else if (peace == 0) {
            grievance = 1;
            if (d > worst) {
                worst = d;
                culprit = dv->from;
            }
        }
    }
    double x_new = sw != 0.0 ? x + openness * swd / sw : x;
    /* clamped here, so that what it sends is what it keeps */
    x_new = x_new < 0.0 ? 0.0 : x_new > 1.0 ? 1.0 : x_new;
    if (grievance)
        strikes = strikes < 255 ? strikes + 1 : 255;
    else
        strikes = 0;

    /* 3. trends by social proof, against the trends it had before this step */
    uint64_t seen = 0;
    for (size_t i = 0; i < a->n_inbox; i++)
        seen |= a->inbox[i].trends;
    uint64_t fresh = seen & ~a->trends, adopted = a->trends;
    if (fresh) {
        const double need = pr[P_THRESHOLD] * (1.0 - pr[P_SENSITIVITY]);
        for (unsigned t = 0; t < 64; t++) {
            uint64_t bit = (uint64_t)1 << t;
            if (!(fresh & bit))
                continue;
            size_t carry = 0;
            for (size_t i = 0; i < a->n_inbox; i++)
                carry += (a->inbox[i].trends & bit) != 0;
            if ((double)carry / (double)a->n_inbox >= need)
                adopted |= bit;
        }
    }
    a->trends = adopted;

    /* 4. a complaint about the worst offender once patience runs out */
    if (strikes >= patience) {
        nn_act(a, NN_ACT_COMPLAIN, 0, culprit, x);
        strikes = 0;
    }

    /* 5. a window of neighbours from a random start, each played cooperate or defect */
    size_t m = a->n_nbrs < sociability ? a->n_nbrs : sociability;
    if (m > 0) {
        size_t start = (size_t)nn_rng_below(&a->rng, a->n_nbrs);
        const double wary = (double)caution / 15.0;
        for (size_t i = 0; i < m; i++) {
            uint32_t j = a->nbrs[(start + i) % a->n_nbrs];
            const nn_delivery_t *dv = s_last_from(a->inbox, a->n_inbox, j);
            double agree = 1.0, standing = 1.0, d = 0.0;
            int agreeing = 1;
            if (dv) {
                standing = (double)dv->standing;
                d = fabs(dv->value - x);
                if (peace == 0 && d > tau) {
                    agreeing = 0;
                    agree = fmax(0.0, 1.0 - d);
                }
            }
            double p = pr[P_COOPERATIVENESS] * agree * fmin(1.0, standing);
            p += (1.0 - p) * wary;
            int cooperate = nn_rng_unit(&a->rng) < p;
            double hostility = 0.0;
            if (!agreeing)
                hostility =
                    fmin(1.0, d * (1.0 + (double)strikes / (double)patience)) * (1.0 - wary);
            nn_send_ex(a, j, x_new, (float)hostility, cooperate ? 0 : NN_MSG_DEFECT);
        }
    }

    /* 6. a peace set in this step counted this step as its first round */
    if (peace > 0)
        peace--;
    /* caution fades: every `forgetting` rounds without a sanction, one step goes */
    if (forgetting == 0 || sanctioned) {
        quiet = 0;
    } else if (++quiet >= forgetting) {
        quiet = 0;
        if (caution > 0)
            caution--;
    }
    a->memory =
        (uint64_t)strikes | (uint64_t)caution << 8 | (uint64_t)peace << 16 | (uint64_t)quiet << 24;
    a->x = x_new;
}

const nn_behaviour_ops_t nn_behaviour_citizen = {
    "citizen",
    "lives in institutions: standing-weighted confidence, grievances, trends, cooperation, cases",
    s_params,
    P_COUNT,
    0,
    s_step,
    NULL,
    NULL,
    NULL, /* a behaviour of single steps: no batch */
};
