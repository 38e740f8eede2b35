package io.guise.shaping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.guise.shaping.AdmissionController.Decision;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Unit tests of the admission controller; waiters record their callbacks. */
class AdmissionTest {

    private final List<String> events = new ArrayList<>();

    @Test
    void acquire_admitsUpToLimitThenQueues() {
        final AdmissionController admission = new AdmissionController(2, 4);

        assertThat(admission.acquire(1, waiter("a"))).isEqualTo(Decision.ADMITTED);
        assertThat(admission.acquire(1, waiter("b"))).isEqualTo(Decision.ADMITTED);
        assertThat(admission.acquire(1, waiter("c"))).isEqualTo(Decision.QUEUED);
        assertThat(admission.inFlight()).isEqualTo(2);
        assertThat(events).isEmpty();
    }

    @Test
    void release_priorityThenArrivalOrder() {
        final AdmissionController admission = new AdmissionController(1, 10);
        admission.acquire(0, waiter("running"));
        admission.acquire(10, waiter("low-1"));
        admission.acquire(500, waiter("high-1"));
        admission.acquire(10, waiter("low-2"));
        admission.acquire(500, waiter("high-2"));
        assertThat(admission.queuedPriorities()).containsExactly(500, 500, 10, 10);

        for (int i = 0; i < 4; i++) {
            admission.release();
        }

        assertThat(events).containsExactly("admitted high-1", "admitted high-2", "admitted low-1", "admitted low-2");
        assertThat(admission.inFlight()).isEqualTo(1);
        admission.release();
        assertThat(admission.inFlight()).isZero();
    }

    @Test
    void acquire_fullQueueShedsLowestQueued() {
        final AdmissionController admission = new AdmissionController(1, 2);
        admission.acquire(0, waiter("running"));
        admission.acquire(10, waiter("low-1"));
        admission.acquire(10, waiter("low-2"));

        assertThat(admission.acquire(100, waiter("high"))).isEqualTo(Decision.QUEUED);

        // The newest of the lowest priority goes first, so earlier arrivals keep their place.
        assertThat(events).containsExactly("shed low-2");
        assertThat(admission.queuedPriorities()).containsExactly(100, 10);
    }

    @Test
    void acquire_fullQueueShedsLowerArrival() {
        final AdmissionController admission = new AdmissionController(1, 2);
        admission.acquire(0, waiter("running"));
        admission.acquire(50, waiter("a"));
        admission.acquire(50, waiter("b"));

        assertThat(admission.acquire(50, waiter("same"))).isEqualTo(Decision.SHED);
        assertThat(admission.acquire(10, waiter("lower"))).isEqualTo(Decision.SHED);

        assertThat(events).isEmpty();
        assertThat(admission.queuedPriorities()).containsExactly(50, 50);
    }

    @Test
    void acquire_noQueue_shedsEveryRequestOverLimit() {
        final AdmissionController admission = new AdmissionController(1, 0);
        admission.acquire(0, waiter("running"));

        assertThat(admission.acquire(1000, waiter("high"))).isEqualTo(Decision.SHED);
    }

    @Test
    void release_freesSlotForNextArrival() {
        final AdmissionController admission = new AdmissionController(1, 0);
        assertThat(admission.acquire(0, waiter("a"))).isEqualTo(Decision.ADMITTED);
        admission.release();

        assertThat(admission.acquire(0, waiter("b"))).isEqualTo(Decision.ADMITTED);
        assertThat(admission.inFlight()).isEqualTo(1);
    }

    @Test
    void release_withoutSlot_throws() {
        final AdmissionController admission = new AdmissionController(1, 0);

        assertThatThrownBy(admission::release).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void cancel_removesQueuedWaiter() {
        final AdmissionController admission = new AdmissionController(1, 2);
        admission.acquire(0, waiter("running"));
        final AdmissionController.Waiter cancelled = waiter("cancelled");
        admission.acquire(5, cancelled);

        assertThat(admission.cancel(cancelled)).isTrue();
        assertThat(admission.cancel(cancelled)).isFalse();
        admission.release();
        assertThat(events).isEmpty();
        assertThat(admission.inFlight()).isZero();
    }

    @Test
    void subsetBudgets_neverPassBudget() {
        final SubsetBudgets budgets = new SubsetBudgets();

        assertThat(budgets.tryAcquire("10.0.0.0/8", 2)).isTrue();
        assertThat(budgets.tryAcquire("10.0.0.0/8", 2)).isTrue();
        assertThat(budgets.tryAcquire("10.0.0.0/8", 2)).isFalse();
        assertThat(budgets.tryAcquire("10.1.0.0/16", 2)).isTrue();
        budgets.release("10.0.0.0/8");
        assertThat(budgets.inFlight("10.0.0.0/8")).isEqualTo(1);
        assertThat(budgets.tryAcquire("10.0.0.0/8", 2)).isTrue();
    }

    private AdmissionController.Waiter waiter(String name) {
        return new AdmissionController.Waiter() {
            @Override
            public void admitted() {
                events.add("admitted " + name);
            }

            @Override
            public void shed() {
                events.add("shed " + name);
            }
        };
    }
}
