-- Every populated cell of the Kreis and every category: the grocery categories of the supply
-- points, `alle` (any of them) and the other four services of the BBSR's 2025 walking analysis
-- (Hausarzt, Apotheke, Grundschule, Haltestelle). Straight-line distance (m), distance along the
-- path network (m, the straight access legs of cell and point included), walking minutes
-- (4,5 km/h) and cycling minutes (15 km/h on the ways a bicycle may use). A cell more than 500 m
-- from the network (`network_connected` false) has no network distance.
select
    cells.cell_id,
    cells.ags,
    cells.population,
    reach.category,
    reach.category in ('Vollsortiment', 'Hausarzt', 'Apotheke', 'Grundschule', 'Haltestelle') as bbsr_service,
    reach.straight_m,
    reach.network_m,
    reach.walk_min,
    reach.cycle_min,
    cells.network_connected
from marts.nahversorgung_cells as cells
inner join staging.network_reach as reach using (cell_id)
where cells.ags is not null
