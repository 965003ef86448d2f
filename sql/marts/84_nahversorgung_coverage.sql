-- Coverage per town and for the Kreis (ags of the Kreis), for any supply point and for full-range
-- shops (the BBSR indicator): population within 500 m and 1 000 m (straight line), its share, the
-- same along the path network (`…_network`) and within 10 and 15 minutes on foot (4,5 km/h),
-- the population-weighted mean distance (cells without a point within 10 km count as 10 km),
-- populated cells, cells and villages (OSM places) without supply within the threshold. BBSR reference: 81 % (NRW),
-- 74 % (Germany) of the population within 1 000 m of a supermarket or discounter.
-- population_official is the official population (12411-15i, latest Stichtag, via marts.regions)
-- and grid_completeness the grid's population over it: a grid that covers only part of the people
-- gives shares that must not be read as the town's (the page warns below 90 % and shows no
-- share below 50 %).
with cells as (

    select * from marts.nahversorgung_cells
    where ags is not null

),

per_group as (

    select cell_id, ags, population, 'alle' as category_group, distance_any as distance, network_any as network,
        walk_min_any as walk_min
    from cells
    union all
    select cell_id, ags, population, 'Vollsortiment' as category_group, distance_full as distance, network_full as network,
        walk_min_full as walk_min
    from cells

),

thresholds as (

    select * from (values (500), (1000)) as t(threshold_m)

),

aggregated as (

    select
        coalesce(per_group.ags, meta.region_ags()) as ags,
        per_group.category_group,
        thresholds.threshold_m,
        sum(per_group.population) as population,
        sum(per_group.population) filter (where per_group.distance <= thresholds.threshold_m) as population_within,
        sum(per_group.population) filter (where per_group.network <= thresholds.threshold_m) as population_within_network,
        sum(per_group.population) filter (where per_group.walk_min <= 10) as population_within_10_min,
        sum(per_group.population) filter (where per_group.walk_min <= 15) as population_within_15_min,
        sum(per_group.population * least(coalesce(per_group.distance, 10000), 10000)) / sum(per_group.population)
            as mean_distance_m,
        count(*) as populated_cells,
        count(*) filter (where per_group.distance is null or per_group.distance > thresholds.threshold_m)
            as cells_without_supply
    from per_group, thresholds
    group by grouping sets ((per_group.ags, per_group.category_group, thresholds.threshold_m),
                            (per_group.category_group, thresholds.threshold_m))

),

places as (

    select ags, 'alle' as category_group, distance_any as distance from marts.nahversorgung_places
    union all
    select ags, 'Vollsortiment' as category_group, distance_full as distance from marts.nahversorgung_places

),

villages as (

    select
        coalesce(places.ags, meta.region_ags()) as ags,
        places.category_group,
        thresholds.threshold_m,
        count(*) filter (where places.distance is null or places.distance > thresholds.threshold_m)
            as villages_without_supply
    from places, thresholds
    group by grouping sets ((places.ags, places.category_group, thresholds.threshold_m),
                            (places.category_group, thresholds.threshold_m))

),

final as (

    select
        aggregated.ags,
        coalesce(regions.name, aggregated.ags) as name,
        aggregated.category_group,
        aggregated.threshold_m,
        aggregated.population,
        regions.population as population_official,
        aggregated.population / nullif(regions.population, 0) as grid_completeness,
        coalesce(aggregated.population_within, 0) as population_within,
        coalesce(aggregated.population_within, 0) / aggregated.population as share_within,
        coalesce(aggregated.population_within_network, 0) as population_within_network,
        coalesce(aggregated.population_within_network, 0) / aggregated.population as share_within_network,
        coalesce(aggregated.population_within_10_min, 0) as population_within_10_min,
        coalesce(aggregated.population_within_15_min, 0) as population_within_15_min,
        aggregated.mean_distance_m,
        aggregated.populated_cells,
        aggregated.cells_without_supply,
        coalesce(villages.villages_without_supply, 0) as villages_without_supply,
        0.81 as bbsr_share_nrw,
        0.74 as bbsr_share_germany
    from aggregated
    left join marts.regions as regions using (ags)
    left join villages using (ags, category_group, threshold_m)

)

select * from final
order by ags, category_group, threshold_m
