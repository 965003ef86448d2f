-- One row per measure of the project register, with its Handlungsfeld and towns by name.
-- The flags about milestones refer to the build date (the app rebuilds after every edit).
with measures as (

    select * from raw.register_measures

),

fields as (

    select * from raw.register_fields

),

towns as (

    select * from raw.register_towns

),

build as (

    select built_at::date as as_of from meta.build

),

named as (

    select
        measures.*,
        fields.name as handlungsfeld,
        coalesce(fields.position, 999) as handlungsfeld_position,
        (
            select string_agg(towns.name, ', ' order by towns.name)
            from towns where list_contains(measures.towns, towns.ags)
        ) as town_names
    from measures
    left join fields on fields.id = measures.field

),

final as (

    select
        named.id as measure_id,
        named.title,
        named.field as handlungsfeld_id,
        named.handlungsfeld,
        named.handlungsfeld_position,
        named.towns as town_ags,
        named.town_names,
        named.lead,
        named.start as start_date,
        named."end" as end_date,
        named.status,
        named.milestone,
        named.milestone_due,
        named.status <> 'abgeschlossen' and named.milestone_due < build.as_of as milestone_overdue,
        named.status <> 'abgeschlossen'
            and named.milestone_due between build.as_of and build.as_of + 14 as milestone_due_soon,
        build.as_of,
        named.source
    from named, build

)

select * from final
order by handlungsfeld_position, measure_id
