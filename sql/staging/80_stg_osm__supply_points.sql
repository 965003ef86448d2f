-- OpenStreetMap elements as supply points in the categories a planner uses, and places.
--   Vollsortiment         supermarket, discounter
--   Lebensmittelhandwerk  bakery, pastry, butcher
--   Dorfladen             a village/community shop by name (before the shop type: a Dorfladen
--                         tagged shop=convenience is still a Dorfladen)
--   Automat               food vending machines (Regiomat and the like)
--   Markt                 marketplace
--   Ergänzung             convenience, kiosk, greengrocer, farm shop, beverages, deli, dairy, …
with elements as (

    select
        *,
        tags ->> 'shop' as shop,
        tags ->> 'amenity' as amenity,
        tags ->> 'place' as place,
        tags ->> 'opening_hours' as opening_hours
    from raw.osm_elements

),

classified as (

    select
        *,
        case
            when place is not null then null
            when regexp_matches(coalesce(name, ''), '(?i)dorfladen|dorfgemeinschaftsladen|bürgerladen|tante.?enso')
                then 'Dorfladen'
            when shop in ('supermarket', 'discount') then 'Vollsortiment'
            when shop in ('bakery', 'pastry', 'butcher') then 'Lebensmittelhandwerk'
            when amenity = 'vending_machine' then 'Automat'
            when amenity = 'marketplace' then 'Markt'
            when shop is not null or regexp_matches(coalesce(name, ''), '(?i)hofladen|regiomat') then 'Ergänzung'
        end as category
    from elements

),

final as (

    select
        osm_type || '/' || osm_id as point_id,
        name,
        category,
        place,
        lon,
        lat,
        opening_hours,
        osm_timestamp
    from classified
    where category is not null or place is not null

)

select * from final
