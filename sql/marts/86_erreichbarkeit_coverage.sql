-- Per town and for the Kreis (ags of the Kreis) and category: the people within 500 m and
-- 1 000 m straight line, within 500 m and 1 000 m along the path network, and within 10 and
-- 15 minutes on foot; with their shares of the people in the grid. Two more categories sum up the
-- five services of the BBSR 2025 (Vollsortiment, Hausarzt, Apotheke, Grundschule, Haltestelle):
-- `alle fünf` counts the people who reach every one of them within the distance, `keine der fünf`
-- those who reach none. `population_not_connected`: people in cells more than 500 m from the
-- network, who are never counted as reaching anything along it. BBSR reference (2025): in rural
-- Gemeinden 21 % of the people reach none of the five on foot.
with cells as (

    select * from marts.erreichbarkeit_cells

),

five as (

    -- per cell the farthest and the nearest of the five services (null: not reached at all)
    select
        cell_id,
        any_value(ags) as ags,
        any_value(population) as population,
        any_value(network_connected) as network_connected,
        count(*) filter (where bbsr_service) as services,
        max(coalesce(straight_m, 1e9)) filter (where bbsr_service) as straight_all,
        min(coalesce(straight_m, 1e9)) filter (where bbsr_service) as straight_none,
        max(coalesce(network_m, 1e9)) filter (where bbsr_service) as network_all,
        min(coalesce(network_m, 1e9)) filter (where bbsr_service) as network_none,
        max(coalesce(walk_min, 1e9)) filter (where bbsr_service) as walk_all,
        min(coalesce(walk_min, 1e9)) filter (where bbsr_service) as walk_none
    from cells
    group by cell_id

),

measured as (

    select ags, population, network_connected, category,
        straight_m <= 500 as s500, straight_m <= 1000 as s1000, network_m <= 500 as n500, network_m <= 1000 as n1000,
        walk_min <= 10 as w10, walk_min <= 15 as w15
    from cells
    union all
    -- a service with no point at all counts as not reached (1e9), so "alle fünf" needs all five
    select ags, population, network_connected, 'alle fünf',
        straight_all <= 500 and services = 5, straight_all <= 1000 and services = 5, network_all <= 500 and services = 5,
        network_all <= 1000 and services = 5, walk_all <= 10 and services = 5, walk_all <= 15 and services = 5
    from five
    union all
    -- "keine der fünf": the nearest of the five is beyond the distance
    select ags, population, network_connected, 'keine der fünf',
        straight_none > 500, straight_none > 1000, network_none > 500, network_none > 1000, walk_none > 10, walk_none > 15
    from five

),

aggregated as (

    select
        coalesce(ags, meta.region_ags()) as ags,
        category,
        sum(population) as population,
        coalesce(sum(population) filter (where not network_connected), 0) as population_not_connected,
        coalesce(sum(population) filter (where s500), 0) as within_500_straight,
        coalesce(sum(population) filter (where s1000), 0) as within_1000_straight,
        coalesce(sum(population) filter (where n500), 0) as within_500_network,
        coalesce(sum(population) filter (where n1000), 0) as within_1000_network,
        coalesce(sum(population) filter (where w10), 0) as within_10_min,
        coalesce(sum(population) filter (where w15), 0) as within_15_min
    from measured
    group by grouping sets ((ags, category), (category))

),

final as (

    select
        aggregated.ags,
        coalesce(regions.name, aggregated.ags) as name,
        aggregated.category,
        aggregated.population,
        aggregated.population_not_connected,
        aggregated.within_500_straight,
        aggregated.within_1000_straight,
        aggregated.within_500_network,
        aggregated.within_1000_network,
        aggregated.within_10_min,
        aggregated.within_15_min,
        aggregated.within_500_straight / aggregated.population as share_500_straight,
        aggregated.within_1000_straight / aggregated.population as share_1000_straight,
        aggregated.within_500_network / aggregated.population as share_500_network,
        aggregated.within_1000_network / aggregated.population as share_1000_network,
        aggregated.within_10_min / aggregated.population as share_10_min,
        aggregated.within_15_min / aggregated.population as share_15_min,
        0.21::double as bbsr_2025_rural_none
    from aggregated
    left join marts.regions as regions using (ags)

)

select * from final
order by ags, category
