-- Funding per programme and town (town_ags null: the programme as a whole): planned allocation,
-- committed (bewilligt), called (abgerufen) and spent (ausgegeben) so far, share used, what is
-- left, and a projection of what will be left at the programme end if spending goes on at the
-- pace so far. Dates refer to the build date (as_of).
with programmes as (

    select * from raw.register_programmes

),

records as (

    select * from raw.register_funding_records

),

allocations as (

    select * from raw.register_allocations

),

towns as (

    select * from raw.register_towns

),

build as (

    select built_at::date as as_of from meta.build

),

per_town as (

    select
        programme,
        town,
        sum(amount) filter (where kind = 'bewilligt') as committed,
        sum(amount) filter (where kind = 'abgerufen') as called,
        sum(amount) filter (where kind = 'ausgegeben') as spent,
        min(date) as first_record,
        max(date) as last_record
    from records
    group by grouping sets ((programme, town), (programme))

),

planned as (

    select programme, town, sum(amount) as allocation
    from allocations
    group by grouping sets ((programme, town), (programme))

),

keys as (

    select programme, town from per_town
    union
    select programme, town from planned
    union
    select id as programme, null as town from programmes

),

combined as (

    select
        programmes.id as programme_id,
        programmes.funder,
        programmes.name as programme,
        programmes.start as programme_start,
        programmes."end" as programme_end,
        programmes.budget,
        programmes.rate,
        programmes.own_share,
        keys.town as town_ags,
        coalesce(towns.name, case when keys.town is null then 'alle' end) as town_name,
        planned.allocation,
        coalesce(per_town.committed, 0) as committed,
        coalesce(per_town.called, 0) as called,
        coalesce(per_town.spent, 0) as spent,
        coalesce(programmes.start, per_town.first_record) as pace_from,
        build.as_of
    from keys
    inner join programmes on programmes.id = keys.programme
    left join per_town on per_town.programme = keys.programme and per_town.town is not distinct from keys.town
    left join planned on planned.programme = keys.programme and planned.town is not distinct from keys.town
    left join towns on towns.ags = keys.town
    cross join build

),

projected as (

    select
        *,
        committed - spent as remaining,
        case when committed > 0 then spent / committed end as share_spent,
        case when committed > 0 then called / committed end as share_called,
        case
            when programme_start is not null and programme_end > programme_start
                then least(greatest(date_diff('day', programme_start, as_of) / date_diff('day', programme_start, programme_end), 0), 1)
        end as share_of_time,
        case
            when pace_from is not null and as_of > pace_from and programme_end is not null
                then spent + spent / date_diff('day', pace_from, as_of) * greatest(date_diff('day', as_of, programme_end), 0)
        end as projected_spent_at_end
    from combined

),

final as (

    select
        *,
        committed - projected_spent_at_end as projected_left_at_end,
        case
            when committed = 0 or share_of_time is null then 'ohne_plan'
            when share_spent < share_of_time - 0.2 then 'verzoegert'
            when projected_spent_at_end > committed * 1.05 then 'ueberzogen'
            else 'im_plan'
        end as plan_status
    from projected

)

select * from final
order by programme_id, town_ags nulls first
