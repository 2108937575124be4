"""Clustering in a live session: a link that waits for its press, the jobs, a plot option, rerun, a shared link."""

from __future__ import annotations

from harness import (
    assert_no_exception,
    choose_tab,
    computations,
    metric_values,
    open_link,
    rerun,
    screenshot,
    selected,
    wait_for_no_job,
    wait_for_script,
    wait_for_text,
)

from ganplify_core.clustering.experiment import CLUSTER, ClusterConfig

# 40 000 toy jets: making them is estimated above 5 s (so the link waits for the press) and takes under half a
# minute on an idle machine. The one press computes every section with the link's settings: the clustering, the
# comparison, the PCA map, the Mapper graph (40 intervals keep it quick) and persistent homology (500 points).
LINK = ("clustering?dataset=jets&n_samples=40000&k_max=5&compare=kmeans,gaussian_mixture&maps=pca&n_cubes=40"
        "&mapper_colour=feature%3A+mass&seed=3")


def test_cluster_rerun_and_shared_link(server):
    assert CLUSTER.estimate_seconds(ClusterConfig("jets", n_samples=40_000, seed=3)) > 5
    page = open_link(server, LINK, "press Cluster", "before the press")
    assert not [line for line in computations(server) if "compute cluster" in line], "nothing starts without a press"

    # harness.press matches a label by substring, and "Cluster" also names the help button of "Clustering algorithm"
    page.get_by_role("button", name="Cluster", exact=True).click()
    page.wait_for_timeout(800)
    wait_for_script(page)
    wait_for_no_job(page)
    wait_for_text(page, "What to notice")
    wait_for_text(page, "were given k =")  # the comparison, the tab open first
    # sections 4-6 are tabs that draw when chosen (the press computed them already), each kept in the link
    choose_tab(page, "4 · Maps")
    wait_for_text(page, "Colour points by")  # the PCA map
    assert "section=maps" in page.url
    # a plot-only widget: what the maps' points are coloured by
    page.locator("[data-testid='stRadio']").filter(has_text="Colour points by").get_by_text("true label").click()
    page.wait_for_timeout(800)
    wait_for_script(page)
    assert_no_exception(page, "after a plot option")

    choose_tab(page, "6 · Persistent homology")
    wait_for_text(page, "most persistent scale")
    assert "section=topology" in page.url
    wait_for_no_job(page)
    assert_no_exception(page, "after clustering")
    numbers = metric_values(page)
    assert len(numbers) == 10 and numbers[0].strip().isdigit(), numbers  # 7 scores; b0, b1 and the scale
    rerun(page)
    assert_no_exception(page, "after Rerun")
    assert metric_values(page) == numbers
    screenshot(page, "live-clustering")

    # the same link in another browser opens the same tab, read from the cache, not computed again
    fresh = open_link(server, LINK + "&section=topology", "most persistent scale", "shared link")
    assert metric_values(fresh) == numbers
    choose_tab(fresh, "5 · Mapper")
    assert selected(fresh, "Colour nodes by the mean of") == "feature: mass"  # a plot option of section 5, in the link
    lines = computations(server)
    print("\n".join(lines))
    for name in ("cluster", "clustering-data", "clustering-elbow", "clustering-compare", "embed", "clustering-mapper",
                 "topology"):
        assert sum(line.endswith(f"compute {name}") for line in lines) == 1, (name, lines)
    page.context.close()
    fresh.context.close()
