impl super::Results {
    /// Add a later pass of the same run: its starts join each row's, and a row that failed
    /// in any pass is failed. Side effects stay those of the first pass.
    pub fn absorb(&mut self, later: super::Results) {
        for e in later.results {
            match self
                .results
                .iter_mut()
                .find(|x| x.workload == e.workload && x.strategy == e.strategy)
            {
                None => self.results.push(e),
                Some(x) => {
                    if x.is_ok() && !e.is_ok() {
                        (x.status, x.reason) = (e.status, e.reason.clone());
                    }
                    x.times.extend(&e.times);
                    x.user_times.extend(&e.user_times);
                    x.system_times.extend(&e.system_times);
                    x.counters_per_start.extend(&e.counters_per_start);
                    x.phases_per_start.extend(&e.phases_per_start);
                    x.timeouts += e.timeouts;
                    x.rounds.extend(&e.rounds);
                    x.passes.extend(&e.passes);
                    x.max_rss_bytes = x.max_rss_bytes.max(e.max_rss_bytes);
                }
            }
        }
    }
}
